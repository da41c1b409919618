"""Sphinx configuration of the powerbridge API reference (os-api-ref)."""

import os
import subprocess


def _in_git_checkout():
    # openstackdocstheme warns (an error under -W) when it cannot read the
    # git commit, e.g. in a source tarball: use Sphinx's own theme there.
    try:
        subprocess.run(['git', 'rev-parse', 'HEAD'],
                       cwd=os.path.dirname(os.path.abspath(__file__)),
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


extensions = ['os_api_ref']

if _in_git_checkout():
    extensions.append('openstackdocstheme')
    html_theme = 'openstackdocs'
    html_theme_options = {'sidebar_mode': 'toc'}
    # Name this project rather than let the theme guess it from pbr.
    openstackdocs_repo_name = 'powerbridge/powerbridge'
    openstackdocs_use_storyboard = False
    openstackdocs_auto_name = False
    openstackdocs_auto_version = False
    openstackdocs_bug_project = 'powerbridge'
    openstackdocs_bug_tag = 'api-ref'
else:
    html_theme = 'alabaster'

project = 'powerbridge API Reference'
copyright = '2026, powerbridge developers'
source_suffix = {'.rst': 'restructuredtext'}
master_doc = 'index'
exclude_patterns = ['**/samples/**']
pygments_style = 'native'
html_static_path = []
