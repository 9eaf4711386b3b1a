// SPDX-License-Identifier: LGPL-2.1-or-later
// The Qt types that the interface XML's org.qtproject.QtDBus.QtTypeName
// annotations name, as a KDE client would declare them: one struct per
// record, marshalled field by field in the order of the D-Bus signature.
#pragma once

#include <QDBusArgument>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVariantMap>

// Every record ends in extra (a{sv}): later versions add fields as keys
// there, and a client ignores the keys it does not know.

// Reasons: (name, level, action, extra)
struct LdbReason {
    QString name, level, action;
    QVariantMap extra;
};
using LdbReasonList = QList<LdbReason>;

// Exceptions, ListExceptions: (id, reasons, scope_kind, scope, holder_uid,
// holder_session, expires, origin, extra)
struct LdbException {
    qulonglong id = 0;
    QStringList reasons;
    QString scope_kind, scope;
    uint holder_uid = 0;
    QString holder_session;
    qulonglong expires = 0;
    QString origin;
    QVariantMap extra;
};
using LdbExceptionList = QList<LdbException>;

// SetDebug, ResetDebug: (file, line, module, function, flags, flags, extra)
struct LdbDebugChange {
    QString file;
    uint line = 0;
    QString module, function, old_flags, new_flags;
    QVariantMap extra;
};
using LdbDebugChangeList = QList<LdbDebugChange>;

// ListDebug: (file, line, module, function, flags, format, class, session,
// extra)
struct LdbDebugCallsite {
    QString file;
    uint line = 0;
    QString module, function, flags, format, cls, session;
    QVariantMap extra;
};
using LdbDebugCallsiteList = QList<LdbDebugCallsite>;

inline QDBusArgument& operator<<(QDBusArgument& a, const LdbReason& r)
{
    a.beginStructure();
    a << r.name << r.level << r.action << r.extra;
    a.endStructure();
    return a;
}
inline const QDBusArgument& operator>>(const QDBusArgument& a, LdbReason& r)
{
    a.beginStructure();
    a >> r.name >> r.level >> r.action >> r.extra;
    a.endStructure();
    return a;
}

inline QDBusArgument& operator<<(QDBusArgument& a, const LdbException& e)
{
    a.beginStructure();
    a << e.id << e.reasons << e.scope_kind << e.scope << e.holder_uid << e.holder_session << e.expires << e.origin
      << e.extra;
    a.endStructure();
    return a;
}
inline const QDBusArgument& operator>>(const QDBusArgument& a, LdbException& e)
{
    a.beginStructure();
    a >> e.id >> e.reasons >> e.scope_kind >> e.scope >> e.holder_uid >> e.holder_session >> e.expires >> e.origin >>
        e.extra;
    a.endStructure();
    return a;
}

inline QDBusArgument& operator<<(QDBusArgument& a, const LdbDebugChange& c)
{
    a.beginStructure();
    a << c.file << c.line << c.module << c.function << c.old_flags << c.new_flags << c.extra;
    a.endStructure();
    return a;
}
inline const QDBusArgument& operator>>(const QDBusArgument& a, LdbDebugChange& c)
{
    a.beginStructure();
    a >> c.file >> c.line >> c.module >> c.function >> c.old_flags >> c.new_flags >> c.extra;
    a.endStructure();
    return a;
}

inline QDBusArgument& operator<<(QDBusArgument& a, const LdbDebugCallsite& c)
{
    a.beginStructure();
    a << c.file << c.line << c.module << c.function << c.flags << c.format << c.cls << c.session << c.extra;
    a.endStructure();
    return a;
}
inline const QDBusArgument& operator>>(const QDBusArgument& a, LdbDebugCallsite& c)
{
    a.beginStructure();
    a >> c.file >> c.line >> c.module >> c.function >> c.flags >> c.format >> c.cls >> c.session >> c.extra;
    a.endStructure();
    return a;
}

Q_DECLARE_METATYPE(LdbReason)
Q_DECLARE_METATYPE(LdbException)
Q_DECLARE_METATYPE(LdbDebugChange)
Q_DECLARE_METATYPE(LdbDebugCallsite)
