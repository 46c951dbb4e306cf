"""Access-matrix entry for the API's catch-all: any unknown address answers 404 (JSON) to everyone."""

ENTRIES = {
    "api:unknown_address": (set(), {"rest": "no-such-address"}),
}
