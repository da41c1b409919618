"""Version discovery: GET /, /v2.1 and /v2, without authentication."""

from compute_ext import microversion
from compute_ext import resource
from compute_ext import wsgi_wrapper

# Nova publishes these dates; clients only read id, status and versions.
V21_UPDATED = '2013-07-23T11:33:21Z'
V20_UPDATED = '2025-07-04T12:00:00Z'


def _base_url(req):
    return req.application_url.rstrip('/')


def _v21(req):
    return {
        'id': 'v2.1',
        'status': 'CURRENT',
        'version': microversion.VERSIONS[-1],
        'min_version': microversion.VERSIONS[0],
        'updated': V21_UPDATED,
        'links': [{'rel': 'self', 'href': _base_url(req) + '/v2.1/'}],
    }


def _v20(req):
    return {
        'id': 'v2.0',
        'status': 'DEPRECATED',
        'version': '',
        'min_version': '',
        'updated': V20_UPDATED,
        'links': [{'rel': 'self', 'href': _base_url(req) + '/v2/'}],
    }


@wsgi_wrapper.ComputeWsgify
def list_versions(req):
    """GET /: the v2.0 (deprecated) and v2.1 (current) APIs."""
    return wsgi_wrapper.json_response({'versions': [_v20(req), _v21(req)]})


@wsgi_wrapper.ComputeWsgify
def show_version(req):
    """GET /v2.1 and /v2.1/: the v2.1 document with its media types; the
    same routes under /v2 (legacy v2 mode) give the deprecated v2.0 one,
    as Nova's VersionsV2 does."""
    if req.environ.get(resource.LEGACY_V2_KEY):
        return _version_document(_v20(req), '2')
    return _version_document(_v21(req), '2.1')


def _version_document(version, media_version):
    version['links'].append({'rel': 'describedby', 'type': 'text/html',
                             'href': 'http://docs.openstack.org/'})
    version['media-types'] = [{
        'base': 'application/json',
        'type': 'application/vnd.openstack.compute+json;version=%s'
                % media_version,
    }]
    return wsgi_wrapper.json_response({'version': version})
