"""Nova's links: self and bookmark hrefs, and the ``next`` page link.

A self href carries the API version (``.../v2.1/servers/ID``), a bookmark
does not (``.../servers/ID``); both keep the project id when the request
URL had one, as Nova's ProjectMapper routes do.
"""

import urllib.parse

# Where handler.ROUTE_DECLARATIONS are mounted.
API_PREFIX = '/v2.1'
# Nova's [api] max_limit default: the largest page a list returns.
MAX_LIMIT = 1000


def _project_segment(req, project_id):
    # The route was /v2.1/{project_id}/...: the second path segment.
    parts = req.path_info.split('/')
    if project_id and len(parts) > 2 and parts[2] == project_id:
        return '/' + project_id
    return ''


class Links:
    """Href prefixes of one request, computed once for a whole list."""

    def __init__(self, req, project_id):
        self.req = req
        root = req.application_url.rstrip('/')
        project = _project_segment(req, project_id)
        self.versioned = root + API_PREFIX + project + '/'
        self.bookmark = root + project + '/'

    def resource(self, collection, identifier):
        """[self, bookmark] links of one resource."""
        tail = '%s/%s' % (collection, identifier)
        return [{'rel': 'self', 'href': self.versioned + tail},
                {'rel': 'bookmark', 'href': self.bookmark + tail}]

    def bookmark_link(self, collection, identifier):
        return [{'rel': 'bookmark',
                 'href': '%s%s/%s' % (self.bookmark, collection, identifier)}]

    def collection(self, collection, count, last_id):
        """Nova's rule: a ``next`` link whenever the page is full.

        ``count`` items were returned, the last one with id ``last_id``.
        """
        try:
            limit = int(self.req.params.get('limit', MAX_LIMIT))
        except ValueError:
            limit = MAX_LIMIT
        page = min(limit, MAX_LIMIT)
        if not page or page != count:
            return []
        params = dict(sorted(self.req.params.items()))
        params['marker'] = last_id
        href = '%s%s?%s' % (self.versioned, collection,
                            urllib.parse.urlencode(params))
        return [{'rel': 'next', 'href': href}]
