from ninja import Router

router = Router(tags=["contact"])
# POST /api/v1/checks/contact (DESIGN.md contract)
checks_router = Router(tags=["checks"])
