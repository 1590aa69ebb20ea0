from ninja import NinjaAPI

api = NinjaAPI(title="OpenSEND API", version="1", urls_namespace="api-1")
