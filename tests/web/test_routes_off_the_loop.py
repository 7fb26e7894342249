"""Routes do their database work in the thread pool, never on the event loop.

A route written `async def` runs on the loop; a statement there that waits (for a row lock, a
pooled connection) stops every request, among them the one holding the lock, whose commit waits for
the loop. Twenty tabs posting one application froze the web process that way (an outside attack).
So every route that takes a database session is a plain function; the residents' photo posts read
their form on the loop and hand the rest to the thread pool themselves (`online.router.off_the_loop`).
"""

import inspect

from fastapi.routing import APIRoute

from secretariat.core.web.deps import get_db
from tests.web.test_tenancy_routes import APP, http_routes

HANDING_OFF = {"submit_application", "change_account"}  # read the photos on the loop, then off_the_loop


def takes_a_session(route: APIRoute) -> bool:
    def walk(dependant):
        return dependant.call is get_db or any(walk(sub) for sub in dependant.dependencies)
    return walk(route.dependant)


def test_no_route_with_a_database_session_runs_on_the_event_loop():
    routes = [route for _, route in http_routes(APP.routes) if isinstance(route, APIRoute)]
    assert len(routes) > 150  # the walk reaches the domains' routers
    on_the_loop = sorted(route.endpoint.__name__ for route in routes if inspect.iscoroutinefunction(route.endpoint)
                         and takes_a_session(route) and route.endpoint.__name__ not in HANDING_OFF)
    assert on_the_loop == []


def test_the_residents_photo_posts_hand_their_work_to_the_thread_pool():
    from online import push_router, router

    assert "off_the_loop" in inspect.getsource(router.submit_application)
    assert "off_the_loop" in inspect.getsource(push_router.change_account)
