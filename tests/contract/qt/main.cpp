// SPDX-License-Identifier: LGPL-2.1-or-later
// Links qdbusxml2cpp's proxy and adaptor of org.freedesktop.LockdownBroker1
// and checks, without a bus, that each Qt type the XML names marshals to the
// signature the XML gives it.
#include <QCoreApplication>
#include <QDBusMetaType>
#include <cstdio>

#include "lockdownbroker1_adaptor.h"
#include "lockdownbroker1_proxy.h"

namespace {

int passed = 0, failed = 0;

// T is a QList<Element>: QtDBus learns the element's signature from its own
// registration, so both are registered, as a client must.
template <typename T> bool signature_is(const char* name, const char* want)
{
    qDBusRegisterMetaType<typename T::value_type>();
    qDBusRegisterMetaType<T>();
    const char* got = QDBusMetaType::typeToSignature(qMetaTypeId<T>());
    if (got && qstrcmp(got, want) == 0) {
        std::printf("ok %s marshals as %s\n", name, want);
        passed++;
        return true;
    }
    std::printf("not ok %s marshals as %s, the XML says %s\n", name, got ? got : "(nothing)", want);
    failed++;
    return false;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    bool ok = signature_is<LdbReasonList>("LdbReasonList", "a(sssa{sv})");
    ok = signature_is<LdbExceptionList>("LdbExceptionList", "a(tasssustsa{sv})") && ok;
    ok = signature_is<LdbDebugChangeList>("LdbDebugChangeList", "a(sussssa{sv})") && ok;
    ok = signature_is<LdbDebugCallsiteList>("LdbDebugCallsiteList", "a(sussssssa{sv})") && ok;
    // The generated proxy and adaptor link, with the interface's name.
    const bool named = qstrcmp(OrgFreedesktopLockdownBroker1Interface::staticInterfaceName(),
                               "org.freedesktop.LockdownBroker1") == 0 &&
                       qstrcmp(LockdownBroker1Adaptor::staticMetaObject.className(), "LockdownBroker1Adaptor") == 0;
    std::printf("%s the generated proxy and adaptor link\n", named ? "ok" : "not ok");
    (named ? passed : failed)++;
    ok = named && ok;
    std::printf("%d passed, %d failed\n", passed, failed);
    return ok ? 0 : 1;
}
