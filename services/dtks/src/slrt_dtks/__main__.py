from slrt_runtime.serve import serve
from slrt_runtime.settings import ServiceSettings

from .main import SERVICE, build

settings = ServiceSettings()
serve(SERVICE, build(settings), settings)
