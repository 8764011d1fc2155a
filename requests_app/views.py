from django.http import HttpRequest, HttpResponse


def send_request(request: HttpRequest, mentor_id: int) -> HttpResponse:
    raise NotImplementedError
