from slrt_runtime.serve import serve

from .main import SERVICE, build
from .settings import WebSettings

settings = WebSettings()
serve(SERVICE, build(settings), settings)
