"""The public DNI endpoints skip the middleware they do not need.

Every page view of every customer's website calls them, and they trust no cookie: sessions, authentication,
the account's time zone, messages, CSRF (they are exempt), clickjacking headers (JSON and JavaScript are not
framed) and django-axes only cost time there. This middleware sits right after `SecurityMiddleware` and
`core.middleware.BadTextMiddleware`, so the security headers and the bad-text guard still apply; for a path
under /dni/ whose view `dni_endpoint` made (`dni_direct`), it calls the view itself instead of the rest of the
stack. Anything else (the demo page, an unknown path) goes down the stack as usual. An exception in the view
is turned into a 500 by Django's handler around this middleware, as for any view.
"""

from django.urls import Resolver404, resolve

PREFIX = "/dni/"


class DniDirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(PREFIX):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "dni_direct", False):
                request.resolver_match = match
                return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
