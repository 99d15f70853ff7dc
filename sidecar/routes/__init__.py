"""The sidecar's HTTP routes, one module per concern, each with ``register(app, ctx)``.

``webhooks`` (intake), ``operations`` (liveness, readiness, metrics), ``decisions`` (why a
ticket went where it went) and ``admin`` (status and the shadow report, and the admin
token every admin route needs). ``sidecar.http.create_app`` puts them together.
"""

from sidecar.routes.context import AppContext

__all__ = ["AppContext"]
