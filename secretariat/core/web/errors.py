"""The one place where domain errors become HTTP answers: JSON under /api, a page elsewhere."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from urllib.parse import quote

from secretariat.core.errors import DomainError
from secretariat.core.messages import label
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


def problem_in_words(item: dict) -> str:
    """One of FastAPI's validation errors as a Japanese line naming the field (its name from the catalogue)."""
    where = ".".join(str(part) for part in item["loc"][1:])
    field = label("field", where) if where else "入力"
    kind, context = item.get("type", ""), item.get("ctx") or {}
    if kind == "missing":
        return f"{field}が入力されていません"
    if kind == "string_too_long":
        return f"{field}が長すぎます（{context.get('max_length')}文字まで）"
    if kind == "string_too_short":
        return f"{field}が短すぎます（{context.get('min_length')}文字以上）"
    if kind.startswith(("int_", "float_")):
        return f"{field}は数字で入力してください"
    if kind.startswith("date"):
        return f"{field}は 2026-12-01 のような日付で入力してください"
    if kind.startswith("bool"):
        return f"{field}の値が正しくありません"
    return f"{field}の値が正しくありません（{kind or item.get('msg')}）"


async def validation_error(request: Request, error: RequestValidationError):
    problems = [problem_in_words(item) for item in error.errors()]
    if _wants_json(request):
        return JSONResponse({"error": "入力に誤りがあります", "problems": problems}, status_code=422)
    return render(request, "error.html", status_code=422, status=422,
                  message="入力に誤りがあります: " + "、".join(problems))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
