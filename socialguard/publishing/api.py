from ninja import Router

router = Router(tags=["publishing"])
# POST /api/v1/checks/post lives here (DESIGN.md contract); /checks/photo is added by the consent app.
checks_router = Router(tags=["checks"])
