"""cfn-lint, imported once, forking a child per lint (scripts/cfnLintServer.mjs).

    python3 test/support/cfnLintServer.py SOCKET

Each `cfn-lint` process spends ~1.2 s of CPU importing cfnlint before it reads a
template, and `npm test` starts dozens of them. This server pays that import once; for
each connection of the `cfn-lint` shim it forks a child that takes the shim's stdin,
stdout and stderr (passed over the socket), its working directory, arguments and
environment, runs cfnlint's own command-line entry point (the function the installed
`cfn-lint` script calls) and sends back its exit status. A forked child starts from the
freshly imported state, never from another lint's, so each run is the run a new
`cfn-lint` process would make.
"""

import fnmatch
import gc
import importlib.resources
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback

import cfnlint.helpers
from cfnlint.runner import main  # the import every cfn-lint process pays

LOG = os.environ.get("TENANTC_CFN_LINT_SERVER_LOG")
# Whether this process's lint took the built-in rules created before the fork.
_PRECREATED = {"taken": False}
# Validator classes this process's lint made and reused (_reuse_validator_classes).
_VALIDATOR_CLASSES = {"made": 0, "reused": 0}
# Field lists of dataclasses this process's lint asked for and got from the memo (_memoize_dataclass_fields).
_DATACLASS_FIELDS = {"asked": 0, "memoized": 0}

# Children are never waited for: their status goes back over the socket.
signal.signal(signal.SIGCHLD, signal.SIG_IGN)


def _exit_with_parent() -> None:
    """Exit when the process that started the server is gone (npm test killed)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _serve(conn: socket.socket) -> None:
    """In the forked child: one lint, as the `cfn-lint` process the shim stands for."""
    _, fds, _, _ = socket.recv_fds(conn, 1, 3)
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    request = json.loads(data)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.argv = ["cfn-lint", *request["argv"]]
    try:
        status = main()
    except SystemExit as e:
        status = e.code
    except BaseException:
        traceback.print_exc()
        status = 1
    # sys.exit's meaning of its argument, as the installed script's sys.exit(main()).
    if status is None:
        status = 0
    elif not isinstance(status, int):
        print(status, file=sys.stderr)
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    if LOG:
        # What each lint cost, to see where cfn-lint's time goes, and whether it took the
        # rules created before the fork (test/cfnLintServer.test.ts reads it). Written
        # before the status: once the shim has exited, its line is there.
        rules = "created before the fork" if _PRECREATED["taken"] else "created in the lint"
        line = {"cpu": round(time.process_time(), 3), "status": status, "rules": rules, "validator_classes": _VALIDATOR_CLASSES, "dataclass_fields": _DATACLASS_FIELDS, "cwd": request["cwd"], "argv": request["argv"]}
        with open(LOG, "a") as log:
            log.write(json.dumps(line) + "\n")
    conn.sendall(str(status).encode())
    conn.close()


def _load_rules_once() -> None:
    """What every lint redoes before it reads a template, done here once (~0.3 s a lint).

    Each run loads cfnlint's ~320 rule modules from their files again (not through
    sys.modules: cfnlint.helpers.import_filename executes each file) and the rules read
    ~120 JSON files of cfnlint's package data as they are created. Both are the
    installed package's files, unchanged for the run: the modules are executed once here
    and each lint gets the same module objects, with rule instances created from them
    before the fork (_create_rules_once), and each data file is read once and parsed
    anew for every caller (a rule may change what it loaded). Rules from any other
    directory (--append-rules) are still loaded from their files at each lint.
    """
    rules_dir = os.path.join(os.path.dirname(cfnlint.helpers.__file__), "rules")
    texts: dict = {}

    def load_resource(package, filename="us-east-1.json"):
        key = (package if isinstance(package, str) else package.__name__, filename)
        if key not in texts:
            texts[key] = importlib.resources.files(package).joinpath(filename).read_text(encoding="utf-8")
        return json.loads(texts[key])

    # Before the rule modules run: they bind load_resource when they import it.
    cfnlint.helpers.load_resource = load_resource
    # Rules created once, thrown away: every data file their creation reads is now read.
    cfnlint.helpers.load_plugins(rules_dir)
    executed = cfnlint.helpers.import_filename
    modules: dict = {}

    def import_filename(pluginname, root):
        if os.path.commonpath([os.path.abspath(root), rules_dir]) != rules_dir:
            return executed(pluginname, root)
        if (pluginname, root) not in modules:
            modules[(pluginname, root)] = executed(pluginname, root)
        return modules[(pluginname, root)]

    # Executed here, fresh (not the modules of the rules created above): no rule of
    # theirs has been created, so each lint creates its rules from untouched classes.
    for root, _, filenames in os.walk(rules_dir):
        for filename in fnmatch.filter(filenames, "[A-Za-z1-9]*.py"):
            import_filename(filename.replace(".py", ""), root)
    cfnlint.helpers.import_filename = import_filename
    _create_rules_once(rules_dir)


def _create_rules_once(rules_dir: str) -> None:
    """The built-in rules created here, before any fork: each lint takes them as its own.

    Creating the ~320 rule objects (each reading and parsing its data files) was most of
    a small lint's CPU (~0.13 s of 0.19 s). They are created here from the executed
    modules, as cfnlint's load_plugins creates them, and never used by the server; each
    forked child gets its own copy of them (copy-on-write), untouched by any other
    lint, so a lint that takes them has the rules a new process creates. Creation reads
    only cfnlint's package files (cfn-lint creates its rules before it reads
    --override-spec or --registry-schemas, from nothing of the run's arguments or
    environment). The first ask for the built-in directory in a child gets them; any
    other ask (another directory, another base class, a second ask) creates rules anew.
    """
    load_plugins = cfnlint.helpers.load_plugins
    default = (load_plugins.__defaults__[0], load_plugins.__defaults__[1])
    created = load_plugins(rules_dir)

    def load_plugins_once(directory, name=default[0], modules=default[1]):
        if not _PRECREATED["taken"] and (name, tuple(modules)) == default and os.path.abspath(directory) == rules_dir:
            _PRECREATED["taken"] = True
            return created
        return load_plugins(directory, name, modules)

    cfnlint.helpers.load_plugins = load_plugins_once


def _reuse_validator_classes() -> None:
    """One validator class for each set of validators, not one per extension (~17% of a lint).

    cfnlint's rules extend their JSON-schema validator ~400 times in a 135 KB template
    (cfnlint.jsonschema.validators.create: `extend` is its only caller after import),
    and each call defines and decorates a new dataclass: generating and exec'ing its
    methods was ~17% of a lint's CPU. The class is a pure function of the three
    arguments, which it only keeps (as its fields' defaults) and never changes: here a
    call whose arguments hold the same objects (each validator and resolver the same
    function, or the same method of the same rule object) and an equal FunctionFilter
    (a dataclass of two flags and a list no code changes) gets the class the first
    such call made. Its instances then behave as the new class's would. The arguments of
    the first call are kept, so no object named by a key is freed and its id reused.
    Left alone if create's parameters are not the three this relies on.
    """
    import inspect

    import cfnlint.jsonschema.validators as validators_module
    from cfnlint.jsonschema._filter import FunctionFilter

    create = validators_module.create
    if list(inspect.signature(create).parameters) != ["validators", "function_filter", "fn_resolvers"]:
        return
    made: dict = {}

    def same(value):
        owner = getattr(value, "__self__", None)
        return (id(owner), value.__func__) if owner is not None and hasattr(value, "__func__") else id(value)

    def equal_filter(f):
        if type(f) is FunctionFilter:
            return ("FunctionFilter", f.add_cfn_lint_keyword, f.validate_dynamic_references, tuple(f.group_functions))
        return id(f)

    def create_once(validators=None, function_filter=None, fn_resolvers=None):
        key = (
            tuple((name, same(v)) for name, v in (validators or {}).items()),
            equal_filter(function_filter),
            tuple((name, same(v)) for name, v in (fn_resolvers or {}).items()),
        )
        if key in made:
            _VALIDATOR_CLASSES["reused"] += 1
        else:
            _VALIDATOR_CLASSES["made"] += 1
            made[key] = (create(validators, function_filter, fn_resolvers), validators, function_filter, fn_resolvers)
        return made[key][0]

    validators_module.create = create_once


def _memoize_dataclass_fields() -> None:
    """dataclasses.fields answered once per class in cfnlint's hot paths (~8% of a lint).

    cfnlint's Context, validator and FunctionFilter copy themselves with `evolve`,
    which asks dataclasses.fields for the class's field list each time: ~100,000 asks in
    a 135 KB template, each building the same tuple again. A class's fields are fixed
    when @dataclass makes it, so the three modules that call it get a `fields` that
    keeps each class's answer (asked with an instance, the answer for its class, as
    dataclasses.fields gives). Left alone where a module does not use dataclasses.fields.
    """
    import dataclasses
    import importlib

    fields = dataclasses.fields
    memo: dict = {}

    def fields_once(class_or_instance):
        cls = class_or_instance if isinstance(class_or_instance, type) else type(class_or_instance)
        _DATACLASS_FIELDS["asked"] += 1
        if cls in memo:
            _DATACLASS_FIELDS["memoized"] += 1
            return memo[cls]
        memo[cls] = fields(class_or_instance)
        return memo[cls]

    for name in ("cfnlint.context.context", "cfnlint.jsonschema.validators", "cfnlint.jsonschema._filter"):
        module = importlib.import_module(name)
        if getattr(module, "fields", None) is fields:
            module.fields = fields_once


def serve_forever(path: str) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    # Listening first: a lint asked for meanwhile waits for the rules (~1 s), not a whole
    # cfn-lint of its own (the shim's fallback).
    _load_rules_once()
    _reuse_validator_classes()
    _memoize_dataclass_fields()
    # What the children inherit is never collected by them: the collector would walk the
    # whole imported cfnlint (and write to its pages, copying them) in every lint.
    gc.freeze()
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            try:
                _serve(conn)
            finally:
                os._exit(0)
        conn.close()


if __name__ == "__main__":
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    serve_forever(sys.argv[1])
