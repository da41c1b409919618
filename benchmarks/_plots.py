"""PNG charts for the benchmarks' ``--plot`` (matplotlib, no display)."""

import matplotlib

matplotlib.use('Agg')

from matplotlib import pyplot  # noqa: E402


def lines(path, title, xlabel, ylabel, xs, series, log=False, goal=None):
    """One line per (label, ys) in ``series``; ``goal`` = (y, label)
    draws a dashed horizontal line."""
    figure, axes = pyplot.subplots(figsize=(7, 4.2), dpi=100)
    for label, ys in series:
        axes.plot(xs, ys, marker='o', label=label)
    if goal is not None:
        axes.axhline(goal[0], linestyle='--', color='grey', label=goal[1])
    if log:
        axes.set_yscale('log')
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xticks(xs)
    axes.set_xticklabels(['{:,}'.format(x) for x in xs])
    axes.grid(True, which='both', alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def histogram(path, title, xlabel, values, marks=()):
    """A histogram of ``values``; ``marks`` = [(x, label)] as vertical
    dashed lines (percentiles, goals)."""
    figure, axes = pyplot.subplots(figsize=(7, 4.2), dpi=100)
    axes.hist(values, bins=40, color='tab:blue', alpha=0.8)
    colours = iter(('tab:green', 'tab:orange', 'tab:red', 'tab:purple'))
    for x, label in marks:
        axes.axvline(x, linestyle='--', label=label, color=next(colours))
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel('count')
    axes.grid(True, alpha=0.3)
    if marks:
        axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
