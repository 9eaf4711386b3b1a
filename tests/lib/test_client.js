// SPDX-License-Identifier: LGPL-2.1-or-later
// liblockdown-broker-1 through GObject introspection in GJS, against the
// dbusmock template of the broker (started by run_gjs.py). Prints TAP.
imports.gi.versions.LockdownBroker = '1';
const {GLib, Gio, LockdownBroker: Ldb} = imports.gi;
const System = imports.system;

const BUS_NAME = 'org.freedesktop.LockdownBroker1';
const PATH = '/org/freedesktop/LockdownBroker1';
let count = 0;
let failed = 0;

function ok(cond, what) {
    count++;
    if (!cond)
        failed++;
    print(`${cond ? 'ok' : 'not ok'} ${count} ${what}`);
}

function spinUntil(predicate) {
    const ctx = GLib.MainContext.default();
    const deadline = GLib.get_monotonic_time() + 10 * 1000000;
    while (!predicate()) {
        if (GLib.get_monotonic_time() > deadline)
            throw new Error('timed out');
        ctx.iteration(false);
        GLib.usleep(1000);
    }
}

function mockCall(method, args) {
    Gio.DBus.system.call_sync(BUS_NAME, PATH, 'org.freedesktop.DBus.Mock', method, args, null,
        Gio.DBusCallFlags.NONE, -1, null);
}

function newClient() {
    let result = null;
    Ldb.Client.new_async(null, (_src, res) => {
        result = res;
    });
    spinUntil(() => result !== null);
    return Ldb.Client.new_finish(result);
}

function main() {
    const client = newClient();
    ok(client.version === '0.1.0', 'version');
    ok(client.mode === Ldb.LockdownMode.INTEGRITY, 'mode is an enum');
    ok(client.reasons.get_n_items() === 7, 'reasons is a list model');
    ok(client.features.includes('codes') && client.has_feature('dynamic-debug'), 'features');
    ok(client.reasons.get_item(1).name === 'dev-mem', 'reason name');

    const events = [];
    client.connect('exception-granted', (_c, id, reasons, kind, scope) => events.push(['granted', id, reasons.join(','), kind, scope]));
    client.connect('exception-revoked', (_c, id, why) => events.push(['revoked', id, why]));
    client.connect('notify::exceptions', () => events.push(['exceptions', client.exceptions.get_n_items()]));
    client.connect('notify::kernel-lockdown', () => events.push(['kernel-lockdown', client.kernel_lockdown]));

    let id = 0;
    client.request_exception_async(['dev-mem', 'kexec'], 60, Ldb.Scope.SESSION,
        Ldb.CallFlags.INTERACTIVE, null, (c, res) => {
            id = c.request_exception_finish(res);
        });
    spinUntil(() => id !== 0 && events.some(e => e[0] === 'exceptions'));
    const granted = events.find(e => e[0] === 'granted');
    ok(granted !== undefined && granted[1] === id && granted[2] === 'dev-mem,kexec' &&
       granted[3] === Ldb.ScopeKind.SESSION, 'exception-granted with the id of the request');
    const exception = client.exceptions.get_item(0);
    ok(exception.id === id && exception.origin === Ldb.Origin.REQUEST, 'exceptions has the new one');

    // Ids are below 2^53, so the double GJS makes of the guint64 is the id
    // itself, and it can be passed back.
    ok(Number.isSafeInteger(id) && id >= 1, `the id ${id} is exact in a JS number`);
    client.release_exception_sync(id, null);
    spinUntil(() => events.some(e => e[0] === 'revoked'));
    const revoked = events.find(e => e[0] === 'revoked');
    ok(revoked[1] === id && revoked[2] === Ldb.RevokeWhy.RELEASED, 'released by the id read back: revoked, released');
    spinUntil(() => client.exceptions.get_n_items() === 0);
    ok(true, 'exceptions is empty again');

    // Many ids, each released by the number JS holds: with 64-bit ids about
    // 999 in 1000 of them would be rounded and the release would fail.
    let released = 0;
    for (let i = 0; i < 20; i++) {
        const many = client.request_exception_sync(['dev-mem'], 60, Ldb.Scope.SESSION, Ldb.CallFlags.NONE, null);
        client.release_exception_sync(many, null);
        released++;
    }
    ok(released === 20, '20 more ids requested and released by their JS numbers');

    // A lock still ends one.
    client.request_exception_sync(['kexec'], 60, Ldb.Scope.SESSION, Ldb.CallFlags.NONE, null);
    mockCall('EndAllExceptions', new GLib.Variant('(s)', ['session-locked']));
    spinUntil(() => events.some(e => e[0] === 'revoked' && e[2] === Ldb.RevokeWhy.SESSION_LOCKED));
    ok(true, 'revoked: session-locked');

    mockCall('UpdateProperties', new GLib.Variant('(sa{sv})', [BUS_NAME,
        {KernelLockdown: new GLib.Variant('s', 'integrity')}]));
    spinUntil(() => events.some(e => e[0] === 'kernel-lockdown'));
    ok(client.kernel_lockdown === Ldb.LockdownMode.INTEGRITY, 'notify::kernel-lockdown');

    try {
        client.release_exception_sync(12345, null);
        ok(false, 'releasing an unknown exception fails');
    } catch (e) {
        ok(e.matches(Ldb.error_quark(), Ldb.Error.NOT_FOUND), `NOT_FOUND (${e.message})`);
    }
}

try {
    main();
} catch (e) {
    failed++;
    print(`not ok ${++count} ${e}`);
}
print(`1..${count}`);
System.exit(failed ? 1 : 0);
