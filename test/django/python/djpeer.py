"""A Django 4.2 process that a test drives over stdin/stdout, one JSON line each way.

Started once per test file with its settings as a JSON argument; it creates
users, logs them in, issues DRF and SimpleJWT tokens, signs values, reads
sessions written by tschannels and dumps every table, so the tests compare
tschannels with Django itself.
"""

import datetime
import json
import os
import sys
import traceback
from urllib.parse import unquote, urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
CONFIG = json.loads(sys.argv[1])


def database(url):
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path[1:])}
    engine = {
        "postgres": "django.db.backends.postgresql",
        "postgresql": "django.db.backends.postgresql",
        "mysql": "django.db.backends.mysql",
        "mariadb": "django.db.backends.mysql",
    }[parsed.scheme]
    return {
        "ENGINE": engine,
        "NAME": parsed.path.lstrip("/"),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
    }


from django.conf import settings  # noqa: E402

apps = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_simplejwt.token_blacklist",
]
if CONFIG.get("user_model"):
    apps.append("customusers")

settings.configure(
    SECRET_KEY=CONFIG["secret_key"],
    SECRET_KEY_FALLBACKS=CONFIG.get("fallbacks", []),
    INSTALLED_APPS=apps,
    DATABASES={"default": database(CONFIG["database"])},
    SESSION_ENGINE=CONFIG.get("session_engine", "django.contrib.sessions.backends.db"),
    PASSWORD_HASHERS=CONFIG.get("hashers", ["fasthashers.FastPBKDF2PasswordHasher"]),
    AUTH_USER_MODEL=CONFIG.get("user_model", "auth.User"),
    USE_TZ=True,
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    ROOT_URLCONF=__name__,
    SIMPLE_JWT={"SIGNING_KEY": CONFIG["secret_key"]},
)
urlpatterns = []

import django  # noqa: E402

django.setup()

from django.contrib import auth  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import check_password, make_password  # noqa: E402
from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core import signing  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from importlib import import_module  # noqa: E402

User = get_user_model()
Engine = import_module(settings.SESSION_ENGINE)


def user(username):
    return User.objects.get(**{User.USERNAME_FIELD: username})


def migrate(_):
    call_command("migrate", run_syncdb=True, verbosity=0)
    return True


def create_user(args):
    fields = {User.USERNAME_FIELD: args["username"]}
    for name in ("is_staff", "is_superuser", "is_active", "email", "first_name", "last_name"):
        if name in args and hasattr(User, name):
            fields[name] = args[name]
    created = User.objects.create_user(password=args.get("password"), **fields)
    if "hasher" in args:
        created.password = make_password(args["password"], hasher=args["hasher"])
        created.save(update_fields=["password"])
    return {"id": str(created.pk), "password": created.password}


def grant(args):
    """Gives a user permissions directly and through groups; creates custom permissions as needed."""
    target = user(args["username"])

    def permission(dotted):
        app_label, codename = dotted.split(".", 1)
        found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if found is None:
            content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model="tschannelstest")
            found = Permission.objects.create(content_type=content_type, codename=codename, name=codename)
        return found

    for dotted in args.get("perms", []):
        target.user_permissions.add(permission(dotted))
    for name, perms in args.get("groups", {}).items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in perms:
            group.permissions.add(permission(dotted))
        target.groups.add(group)
    return True


def login(args):
    client = Client()
    if "password" in args:
        assert client.login(username=args["username"], password=args["password"]), "login refused"
    else:
        client.force_login(user(args["username"]))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def session_request(key):
    request = HttpRequest()
    request.session = Engine.SessionStore(key)
    return request


def whoami(args):
    """What Django's own get_user() makes of a session key (or signed cookie)."""
    request = session_request(args["key"])
    found = auth.get_user(request)
    return {"username": found.get_username() if found.is_authenticated else None}


def last_login(args):
    """The user's last_login as Django reads it, in ms since the epoch, or None."""
    stamp = user(args["username"]).last_login
    return None if stamp is None else round(stamp.timestamp() * 1000)


def session_data(args):
    store = Engine.SessionStore(args["key"])
    return {"data": dict(store.items()), "exists": store.exists(args["key"]) if hasattr(store, "exists") else None}


def logout(args):
    request = session_request(args["key"])
    request.user = auth.get_user(request)
    auth.logout(request)
    return True


def expire_session(args):
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=args["key"]).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    return True


def set_password(args):
    target = user(args["username"])
    target.set_password(args["password"])
    target.save()
    return target.password


def set_active(args):
    target = user(args["username"])
    target.is_active = args["active"]
    target.save()
    return True


def dumps(args):
    return signing.dumps(args["value"], key=args.get("key"), salt=args.get("salt", "django.core.signing"), compress=args.get("compress", False))


def loads(args):
    try:
        value = signing.loads(
            args["signed"],
            key=args.get("key"),
            salt=args.get("salt", "django.core.signing"),
            max_age=args.get("max_age"),
        )
        return {"value": value}
    except signing.SignatureExpired:
        return {"error": "SignatureExpired"}
    except signing.BadSignature:
        return {"error": "BadSignature"}


def sign(args):
    cls = signing.TimestampSigner if args.get("timestamp") else signing.Signer
    return cls(key=args.get("key"), salt=args.get("salt")).sign(args["value"])


def unsign(args):
    cls = signing.TimestampSigner if args.get("timestamp") else signing.Signer
    try:
        return {"value": cls(key=args.get("key"), salt=args.get("salt")).unsign(args["signed"])}
    except signing.BadSignature:
        return {"error": "BadSignature"}


def make(args):
    """A hash by the hasher of that algorithm in PASSWORD_HASHERS, or by the class `dotted` names (Django's own cost)."""
    if "dotted" in args:
        from django.utils.module_loading import import_string

        return import_string(args["dotted"])().encode(args["password"], import_string(args["dotted"])().salt())
    return make_password(args["password"], hasher=args["hasher"])


def check(args):
    return check_password(args["password"], args["encoded"])


def drf_token(args):
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user(args["username"]))[0].key


def delete_drf_token(args):
    from rest_framework.authtoken.models import Token

    Token.objects.filter(key=args["key"]).delete()
    return True


def jwt(args):
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = RefreshToken.for_user(user(args["username"]))
    if "lifetime" in args:
        refresh.access_token.set_exp(lifetime=datetime.timedelta(seconds=args["lifetime"]))
    access = refresh.access_token
    if "access_lifetime" in args:
        access.set_exp(lifetime=datetime.timedelta(seconds=args["access_lifetime"]))
    return {"access": str(access), "refresh": str(refresh), "jti": access["jti"]}


def blacklist_jti(args):
    """Blacklists an access token's jti the way the blacklist app stores any token."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    outstanding = OutstandingToken.objects.create(
        user=user(args["username"]),
        jti=args["jti"],
        token=args["token"],
        expires_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    BlacklistedToken.objects.create(token=outstanding)
    return True


def verify_drf(args):
    from rest_framework.authentication import TokenAuthentication

    request = HttpRequest()
    request.META["HTTP_AUTHORIZATION"] = "Token " + args["key"]
    try:
        found = TokenAuthentication().authenticate(request)
    except Exception as error:  # noqa: BLE001
        return {"error": type(error).__name__}
    return {"username": found[0].get_username() if found else None}


def snapshot(_):
    """Every row of every table, as text: the tests compare it before and after."""
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute("SELECT * FROM %s" % connection.ops.quote_name(table))
            rows = [repr(tuple(row)) for row in cursor.fetchall()]
            tables[table] = sorted(rows)
    return tables


def sql(args):
    with connection.cursor() as cursor:
        cursor.execute(args["sql"], args.get("params", []))
        return cursor.rowcount


COMMANDS = {name: value for name, value in globals().items() if callable(value) and not name.startswith("_")}


def main():
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = COMMANDS[request["cmd"]](request.get("args", {}))
            reply = {"id": request["id"], "result": result}
        except Exception as error:  # noqa: BLE001
            reply = {"id": request["id"], "error": "%s: %s" % (type(error).__name__, error), "trace": traceback.format_exc()}
        print(json.dumps(reply, default=str), flush=True)


if __name__ == "__main__":
    main()
