"""Power drivers: ``ipmi`` (pyghmi, in process) and ``fake`` (in memory)."""

import importlib

_DRIVERS = {
    'ipmi': ('baremetal_notifier.drivers.ipmi', 'IPMIPowerDriver'),
    'fake': ('baremetal_notifier.drivers.fake', 'FakePowerDriver'),
}


def load_driver(name, **kwargs):
    """Build the power driver called ``name`` with keyword options."""
    try:
        module, cls = _DRIVERS[name]
    except KeyError:
        raise ValueError('unknown power driver %r (known: %s)'
                         % (name, ', '.join(sorted(_DRIVERS)))) from None
    # NOTE: imported on demand so the fake driver never loads pyghmi.
    return getattr(importlib.import_module(module), cls)(**kwargs)
