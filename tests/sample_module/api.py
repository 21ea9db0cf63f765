from django.http import HttpRequest
from ninja import Router

router = Router(tags=["unused"])


@router.get("/ping", auth=None)
def ping(request: HttpRequest) -> dict[str, bool]:
    return {"pong": True}
