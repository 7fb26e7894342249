"""The one place where domain errors become HTTP answers: JSON under /api, a page elsewhere."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from urllib.parse import quote

from secretariat.core.errors import DomainError
from secretariat.core.web.deps import NotAuthenticated
from secretariat.core.web.security import LOGIN_PATH
from secretariat.core.web.templating import render


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def domain_error(request: Request, error: DomainError):
    if _wants_json(request):
        return JSONResponse({"error": error.message}, status_code=error.status_code)
    if isinstance(error, NotAuthenticated):
        return RedirectResponse(f"{LOGIN_PATH}?next={quote(request.url.path)}", status_code=303)
    return render(request, "error.html", status_code=error.status_code, message=error.message,
                  status=error.status_code)


async def validation_error(request: Request, error: RequestValidationError):
    problems = [f"{'.'.join(str(p) for p in item['loc'][1:]) or 'request'}: {item['msg']}" for item in error.errors()]
    if _wants_json(request):
        return JSONResponse({"error": "the request is malformed", "problems": problems}, status_code=422)
    return render(request, "error.html", status_code=422, status=422,
                  message="入力に誤りがあります (the request is malformed): " + "; ".join(problems))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
