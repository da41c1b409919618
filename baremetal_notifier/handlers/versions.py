"""Version discovery: GET / and GET /v1, without authentication."""

from baremetal_notifier import microversion
from baremetal_notifier import wsgi_wrapper

# Clients key on the name; the description is for people.
NAME = 'OpenStack Ironic API'
DESCRIPTION = ('The Bare Metal API of powerbridge: the Ironic node subset '
               'needed to enroll nodes, read and change their power state, '
               'and put them into maintenance.')
DOCS = 'https://docs.openstack.org/ironic/latest/contributor/webapi.html'


def base_url(req):
    return req.application_url.rstrip('/')


def link(href, rel, **extra):
    return dict(href=href, rel=rel, **extra)


def _v1_summary(req):
    return {
        'id': 'v1',
        'links': [link(base_url(req) + '/v1/', 'self')],
        'status': 'CURRENT',
        'min_version': microversion.VERSIONS[0],
        'version': microversion.VERSIONS[-1],
    }


@wsgi_wrapper.BaremetalWsgify
def show_root(req):
    """GET /: the one API version, v1."""
    return wsgi_wrapper.respond(200, {
        'name': NAME,
        'description': DESCRIPTION,
        'default_version': _v1_summary(req),
        'versions': [_v1_summary(req)],
    })


@wsgi_wrapper.BaremetalWsgify
def show_v1(req):
    """GET /v1: media types, the version and the resources served.

    ``media_types`` is one object, as Ironic 39 serves it (its published
    sample still shows a list).
    """
    base = base_url(req)
    return wsgi_wrapper.respond(200, {
        'id': 'v1',
        'links': [link(base + '/v1/', 'self'),
                  link(DOCS, 'describedby', type='text/html')],
        'media_types': {
            'base': 'application/json',
            'type': 'application/vnd.openstack.ironic.v1+json',
        },
        'nodes': [link(base + '/v1/nodes/', 'self'),
                  link(base + '/nodes/', 'bookmark')],
        'drivers': [link(base + '/v1/drivers/', 'self'),
                    link(base + '/drivers/', 'bookmark')],
        'version': _v1_summary(req),
    })
