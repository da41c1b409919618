"""The Compute API's context, built as the middleware builds it."""

import testtools

from compute_ext import context
from compute_ext import exception


class TestFromEnviron(testtools.TestCase):

    def build(self, roles):
        return context.RequestContext.from_environ(
            {'HTTP_X_USER_ID': 'u', 'HTTP_X_PROJECT_ID': 'p',
             'HTTP_X_ROLES': roles}, overwrite=False)

    def test_admin_role_makes_an_admin_context(self):
        ctx = self.build('admin,member,reader')
        self.assertTrue(ctx.is_admin)
        self.assertEqual(['admin', 'member', 'reader'], ctx.roles)
        self.assertEqual(('u', 'p'), (ctx.user_id, ctx.project_id))

    def test_other_roles_do_not(self):
        self.assertFalse(self.build('member, reader').is_admin)

    def test_denial_is_novas_403(self):
        error = self.build('reader').forbidden('os_compute_api:x')
        self.assertIsInstance(error, exception.PolicyNotAuthorized)
        self.assertEqual(403, error.code)
