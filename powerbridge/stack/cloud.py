"""What a cloud's Keystone holds for this product, created through the
Identity API as an operator's tooling would.

Projects ``admin`` (from bootstrap), ``service``, ``demo`` and ``other``;
the service users ``nova`` and ``ironic`` (``admin`` and ``service`` in
``service``); ``alice`` (member of demo), ``rita`` (reader of demo),
``olga`` (member of other) and ``sam`` (only the ``service`` role in
``service``: the service persona without admin); and a catalog with
``compute`` and ``baremetal`` endpoints (public, internal, admin).
"""

import dataclasses

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from powerbridge.stack import keystone as ks_server

DOMAIN = 'Default'
SERVICE_PROJECT = 'service'
INTERFACES = ('public', 'internal', 'admin')

# user -> (project, roles); admin comes from keystone-manage bootstrap.
USERS = {
    'nova': (SERVICE_PROJECT, ('admin', 'service')),
    'ironic': (SERVICE_PROJECT, ('admin', 'service')),
    'alice': ('demo', ('member',)),
    'rita': ('demo', ('reader',)),
    'olga': ('other', ('member',)),
    'sam': (SERVICE_PROJECT, ('service',)),
}
PROJECTS = (SERVICE_PROJECT, 'demo', 'other')
# service type -> (name, description)
SERVICES = {'compute': ('nova', 'Compute API (compute-ext-api)'),
            'baremetal': ('ironic', 'Bare Metal API (baremetal-notifier)')}


@dataclasses.dataclass
class Cloud:
    """How to reach a populated Keystone and who is in it."""

    auth_url: str
    passwords: dict
    region: str = ks_server.REGION
    project_ids: dict = dataclasses.field(default_factory=dict)
    user_ids: dict = dataclasses.field(default_factory=dict)

    def project_of(self, user):
        return 'admin' if user == 'admin' else USERS[user][0]

    def auth(self, user, system_scope=False, project=None):
        """A keystoneauth password plugin for ``user``: project-scoped
        (their project, or ``project``), or system-scoped."""
        scope = ({'system_scope': 'all'} if system_scope else
                 {'project_name': project or self.project_of(user),
                  'project_domain_name': DOMAIN})
        return v3.Password(auth_url=self.auth_url, username=user,
                           password=self.passwords[user],
                           user_domain_name=DOMAIN, **scope)

    def session(self, user, system_scope=False, project=None):
        return ks_session.Session(auth=self.auth(user, system_scope,
                                                 project))

    def token(self, user, system_scope=False):
        return self.session(user, system_scope).get_token()

    def os_env(self, user, system_scope=False):
        """The OS_* variables the openstack CLI reads, for ``user``."""
        env = {'OS_AUTH_URL': self.auth_url,
               'OS_IDENTITY_API_VERSION': '3',
               'OS_AUTH_TYPE': 'password',
               'OS_USERNAME': user,
               'OS_PASSWORD': self.passwords[user],
               'OS_USER_DOMAIN_NAME': DOMAIN,
               'OS_REGION_NAME': self.region,
               'OS_INTERFACE': 'public'}
        if system_scope:
            env['OS_SYSTEM_SCOPE'] = 'all'
        else:
            env['OS_PROJECT_NAME'] = self.project_of(user)
            env['OS_PROJECT_DOMAIN_NAME'] = DOMAIN
        return env

    def service_auth_options(self, user):
        """keystoneauth password options for a config section."""
        return {'auth_type': 'password', 'auth_url': self.auth_url,
                'username': user, 'password': self.passwords[user],
                'user_domain_name': DOMAIN,
                'project_name': SERVICE_PROJECT,
                'project_domain_name': DOMAIN}


class _Identity:
    """The few Identity API calls populate() makes, as the admin."""

    def __init__(self, session):
        self.session = session

    def _call(self, method, path, body=None, expect=(200, 201, 204)):
        response = self.session.request(
            path, method, json=body, raise_exc=False,
            endpoint_filter={'service_type': 'identity',
                             'interface': 'public'})
        if response.status_code not in expect:
            raise RuntimeError('%s %s: %d %s' % (method, path,
                                                 response.status_code,
                                                 response.text[:300]))
        return response.json() if response.content else None

    def find(self, collection, name):
        found = self._call('GET', '/%s?name=%s' % (collection, name))
        items = found[collection]
        return items[0]['id'] if items else None

    def ensure(self, collection, name, body):
        existing = self.find(collection, name)
        if existing:
            return existing
        key = collection[:-1]
        return self._call('POST', '/' + collection,
                          {key: dict(body, name=name)})[key]['id']

    def grant(self, project_id, user_id, role_id):
        self._call('PUT', '/projects/%s/users/%s/roles/%s'
                   % (project_id, user_id, role_id))

    def replace_service(self, service_type, url, region):
        """One ``service_type`` service with an endpoint per interface
        at ``url``; any earlier one goes (with its endpoints)."""
        old = self._call('GET', '/services?type=%s' % service_type)
        for service in old['services']:
            self._call('DELETE', '/services/%s' % service['id'])
        name, description = SERVICES[service_type]
        service_id = self._call('POST', '/services', {'service': {
            'type': service_type, 'name': name,
            'description': description, 'enabled': True}})['service']['id']
        for interface in INTERFACES:
            self._call('POST', '/endpoints', {'endpoint': {
                'service_id': service_id, 'interface': interface,
                'url': url, 'region_id': region, 'enabled': True}})


def populate(server, endpoints):
    """Create the cloud's projects, users, roles and catalog.

    Safe to call again on the same server (a test process reuses one
    Keystone for several stacks): what exists is kept, and the compute
    and baremetal services are replaced by ones naming ``endpoints``.

    :param server: a started KeystoneServer (its admin password).
    :param endpoints: service type -> URL (``compute``, ``baremetal``).
    :returns: a Cloud with every user's password.
    """
    passwords = server.passwords
    if 'admin' not in passwords:
        passwords['admin'] = server.admin_password
        passwords.update({user: ks_server.new_password() for user in USERS})
    cloud = Cloud(server.auth_url, passwords)
    identity = _Identity(cloud.session('admin', system_scope=True))
    domain_id = identity.find('domains', DOMAIN) or 'default'
    roles = {name: identity.ensure('roles', name, {})
             for name in ('admin', 'member', 'reader', 'service')}
    cloud.project_ids['admin'] = identity.find('projects', 'admin')
    for project in PROJECTS:
        cloud.project_ids[project] = identity.ensure(
            'projects', project, {'domain_id': domain_id,
                                  'description': 'powerbridge test cloud'})
    cloud.user_ids['admin'] = identity.find('users', 'admin')
    for user, (project, user_roles) in USERS.items():
        cloud.user_ids[user] = identity.ensure(
            'users', user, {'domain_id': domain_id,
                            'password': passwords[user]})
        for role in user_roles:
            identity.grant(cloud.project_ids[project],
                           cloud.user_ids[user], roles[role])
    for service_type, url in endpoints.items():
        identity.replace_service(service_type, url, cloud.region)
    return cloud
