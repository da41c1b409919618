"""Server bodies as Nova shapes them, per microversion and per caller.

Bare metal instances here have no image, flavor, ports, volumes, key pair,
metadata, tags, lock or server groups; those keys carry Nova's empty values
so clients that read them keep working. The flavor is one fixed
description, ``baremetal``, with zero sizes: the hardware is a whole node.
"""

import hashlib

from powerbridge import db
from compute_ext.compute import states
from compute_ext.objects import services as service_obj
from compute_ext.views import links as links_view

COLLECTION = 'servers'
FLAVOR_ID = 'baremetal'
FLAVOR_SIZES = {'vcpus': 0, 'ram': 0, 'disk': 0, 'ephemeral': 0, 'swap': 0}
# Nova's default_availability_zone: where compute hosts are without
# aggregates.
DEFAULT_AZ = 'nova'
# Nova's instance_name_template.
INSTANCE_NAME = 'instance-%08x'
# Nova shows progress only for these statuses.
PROGRESS_STATUSES = ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE',
                     'VERIFY_RESIZE', 'MIGRATING')


def isotime(value):
    """Nova's utils.isotime: seconds precision, 'Z'."""
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def host_id(project_id, host):
    """Nova's hostId: a per-project hash of the host name."""
    if not host:
        return ''
    return hashlib.sha224((str(project_id) + host).encode()).hexdigest()


def host_statuses(ctx, servicegroup):
    """host -> Nova's host_status of its nova-compute service."""
    result = {}
    for service in service_obj.get_all(ctx,
                                       binary=service_obj.COMPUTE_BINARY):
        if service.forced_down:
            result[service.host] = 'DOWN'
        elif service.disabled:
            result[service.host] = 'MAINTENANCE'
        elif servicegroup.is_up(service):
            result[service.host] = 'UP'
        else:
            result[service.host] = 'UNKNOWN'
    return result


def status(instance):
    if instance.deleted:
        return 'DELETED'
    return states.server_status(instance.vm_state, instance.task_state)


class ServerView:
    """What one request may see, decided once for a whole list.

    ``host_status`` is None when the caller may not see host_status, else
    the map from host_statuses().
    """

    # Keys added by microversions, with the one value they have here.
    ADDED = (((2, 9), 'locked', False),
             ((2, 19), 'description', None),
             ((2, 26), 'tags', []),
             ((2, 63), 'trusted_image_certificates', None),
             ((2, 73), 'locked_reason', None))
    # OS-EXT-SRV-ATTR keys of 2.3 with the one value they have here.
    EXTENDED_2_3 = (('OS-EXT-SRV-ATTR:launch_index', 0),
                    ('OS-EXT-SRV-ATTR:kernel_id', ''),
                    ('OS-EXT-SRV-ATTR:ramdisk_id', ''),
                    ('OS-EXT-SRV-ATTR:root_device_name', None),
                    ('OS-EXT-SRV-ATTR:user_data', None))

    def __init__(self, req, ctx, want, show_extended, host_status=None):
        self.links = links_view.Links(req, ctx.project_id)
        self.want = want
        self.show_extended = show_extended
        # Decided once for a whole list of servers.
        self.host_status = host_status if want.matches((2, 16)) else None
        self.server_groups = want.matches((2, 71))
        self.extended_2_3 = show_extended and want.matches((2, 3))
        self.constant = self._constant()
        self._host_ids = {}

    def _constant(self):
        """The keys every server has with the same value: each server
        starts as a copy (the values are never changed, only shared)."""
        constant = {
            'metadata': {}, 'image': '', 'flavor': self._flavor(),
            'addresses': {}, 'accessIPv4': '', 'accessIPv6': '',
            'OS-DCF:diskConfig': 'MANUAL', 'config_drive': '',
            'key_name': None, 'os-extended-volumes:volumes_attached': [],
        }
        constant.update((key, value) for minimum, key, value in self.ADDED
                        if self.want.matches(minimum))
        if self.extended_2_3:
            constant.update(self.EXTENDED_2_3)
        return constant

    def _host_id(self, project_id, host):
        key = (project_id, host)
        if key not in self._host_ids:
            self._host_ids[key] = host_id(project_id, host)
        return self._host_ids[key]

    def _flavor(self):
        if self.want.matches((2, 47)):
            # No extra specs to hide: the fixed flavor has none.
            return dict(FLAVOR_SIZES, original_name=FLAVOR_ID, extra_specs={})
        return {'id': FLAVOR_ID,
                'links': self.links.bookmark_link('flavors', FLAVOR_ID)}

    def basic(self, instance):
        """An item of GET /servers."""
        return {'id': instance.uuid, 'name': instance.name,
                'links': self.links.resource(COLLECTION, instance.uuid)}

    def show(self, instance, with_server_groups=False):
        """An item of GET /servers/detail, or GET /servers/{id}."""
        server = dict(self.constant)
        server.update({
            'id': instance.uuid,
            'name': instance.name,
            'status': status(instance),
            'tenant_id': instance.project_id or '',
            'user_id': instance.user_id or '',
            'hostId': self._host_id(instance.project_id, instance.host),
            'created': isotime(instance.created_at),
            'updated': isotime(instance.updated_at or instance.created_at),
            'links': self.links.resource(COLLECTION, instance.uuid),
            'OS-EXT-AZ:availability_zone': DEFAULT_AZ if instance.host
            else '',
            'OS-SRV-USG:launched_at': db.isotime(instance.launched_at),
            'OS-SRV-USG:terminated_at': db.isotime(instance.deleted_at),
            'OS-EXT-STS:task_state': instance.task_state,
            'OS-EXT-STS:vm_state': instance.vm_state,
            'OS-EXT-STS:power_state': instance.power_state,
        })
        if server['status'] in PROGRESS_STATUSES:
            server['progress'] = 0
        if self.show_extended:
            server['OS-EXT-SRV-ATTR:host'] = instance.host
            server['OS-EXT-SRV-ATTR:instance_name'] = (INSTANCE_NAME
                                                       % instance.id)
            # Nova's Ironic driver names the hypervisor after the node.
            server['OS-EXT-SRV-ATTR:hypervisor_hostname'] = instance.node
        if self.extended_2_3:
            server['OS-EXT-SRV-ATTR:reservation_id'] = 'r-' + instance.uuid[:8]
            server['OS-EXT-SRV-ATTR:hostname'] = instance.name
        if self.host_status is not None:
            server['host_status'] = (self.host_status.get(instance.host, '')
                                     if instance.host else '')
        if with_server_groups and self.server_groups:
            server['server_groups'] = []
        return server

    def collection(self, items, collection, detail):
        """{"servers": [...], "servers_links": [next]} as Nova builds it."""
        build = self.show if detail else self.basic
        body = {'servers': [build(instance) for instance in items]}
        links = self.links.collection(
            collection, len(items), items[-1].uuid if items else None)
        if links:
            body['servers_links'] = links
        return body
