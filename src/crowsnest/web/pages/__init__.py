"""Server-rendered public pages: home, report, receipt status, get help, learn.

They work without JavaScript, load nothing from third parties, set no cookie but the CSRF
token of the forms, and speak the languages in :mod:`crowsnest.web.pages.i18n`.
"""
