from tests.servers.sse import parse_sse, parse_sse_json


def test_events_names_data_lines_and_comments():
    body = (
        b"event: token\r\ndata: {\"text\": \"Bon\"}\r\n\r\n"
        b": ping\n\n"
        b"data: ligne 1\ndata: ligne 2\n\n"
        b"event: final\ndata: {}\n\n"
    )
    assert parse_sse(body) == [
        ("token", '{"text": "Bon"}'),
        ("message", "ligne 1\nligne 2"),
        ("final", "{}"),
    ]
    assert parse_sse_json('event: final\ndata: {"ok": true}\n\n') == [("final", {"ok": True})]
