from ninja import Router

router = Router(tags=["consent"])
# POST /api/v1/checks/photo (DESIGN.md contract)
checks_router = Router(tags=["checks"])
