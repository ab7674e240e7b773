"""A browser signed in to the gateway by cookie, for tests and benchmarks."""
import requests

PASSWORD = "blue-river-autumn-42"


class Browser:
    """A browser's cookie jar for the gateway's `__Host-` cookies, which are Secure: a plain-HTTP
    test client would not send them back, so they are kept and sent by hand."""

    def __init__(self, base_url: str):
        self.base_url, self.cookies, self.csrf = base_url, {}, None

    def request(self, method: str, path: str, csrf: bool = True, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if csrf and self.csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        response = requests.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)
        for cookie in response.cookies:
            if cookie.value:
                self.cookies[cookie.name] = cookie.value
            else:
                self.cookies.pop(cookie.name, None)
        return response

    def sign_in(self, tenant: str, login_name: str, password: str = PASSWORD) -> requests.Response:
        response = self.request("POST", "/v1/sign-in",
                                json={"tenant": tenant, "login_name": login_name, "password": password})
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
        return response
