from .complaints import router as complaints_router
from .queues import router as queues_router

__all__ = ["complaints_router", "queues_router"]
