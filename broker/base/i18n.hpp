// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// gettext for the sentences that lockdownctl and lockdown-brokerd print to a
// terminal (po/). Header-only: lockdownctl links no broker library.
//
// _("...") translates at run time; N_("...") only marks a string for
// xgettext (po/POTFILES lists every file that uses either; the source suite
// checks that). Include this from .cpp files only: `_` is a macro.
//
// Not translated: what scripts parse (--json, --names-only, ids), D-Bus
// names and values, and the journal. A journal MESSAGE= stays English; its
// translation route is the catalog (data/lockdown-broker.catalog, by
// MESSAGE_ID=), so never pass _() text to journal_send().

#include <clocale>
#include <cstdlib>
#include <initializer_list>
#include <libintl.h>
#include <string>
#include <string_view>

#ifndef LDB_GETTEXT_DOMAIN
#define LDB_GETTEXT_DOMAIN "lockdown-broker"
#endif
#ifndef LDB_LOCALEDIR
#define LDB_LOCALEDIR "/usr/share/locale"
#endif

// dgettext, not gettext: the domain is named at each call, so no caller
// depends on textdomain() having run.
#define _(msgid) ::dgettext(LDB_GETTEXT_DOMAIN, msgid)
#define N_(msgid) msgid

namespace ldb {

// The catalogues' directory: $LOCKDOWN_BROKER_LOCALEDIR if set (tests point
// it at build/po), else the installed one. secure_getenv: ignored when the
// process runs with more privilege than its caller.
inline const char* locale_dir()
{
    const char* dir = ::secure_getenv("LOCKDOWN_BROKER_LOCALEDIR");
    return dir && *dir ? dir : LDB_LOCALEDIR;
}

// Takes the language from the environment (LC_ALL, LC_MESSAGES, LANG,
// LANGUAGE) and binds the domain. Call first thing in main(). Only the two
// categories gettext needs: LC_NUMERIC and the rest stay "C", so numbers in
// --json output never get a decimal comma. Under LC_ALL=C, gettext ignores
// LANGUAGE and every sentence stays English.
inline void init_i18n()
{
    std::setlocale(LC_CTYPE, "");
    std::setlocale(LC_MESSAGES, "");
    ::bindtextdomain(LDB_GETTEXT_DOMAIN, locale_dir());
}

// Fills a translated sentence: "%s" takes the next argument, "%N$s" the
// Nth (1-based; a translation may reorder them), "%%" is a '%'. Anything
// else (an unknown conversion, a missing argument, a stray '%') is copied
// as it stands, so a broken translation shows, and never crashes.
// Mark the sentence with _(): xgettext flags it c-format, and msgfmt -c
// refuses a translation whose placeholders do not match.
inline std::string fill(std::string_view fmt, std::initializer_list<std::string_view> args)
{
    std::string out;
    out.reserve(fmt.size());
    size_t next = 0;
    for (size_t i = 0; i < fmt.size(); i++) {
        if (fmt[i] != '%' || i + 1 == fmt.size()) {
            out += fmt[i];
            continue;
        }
        if (fmt[i + 1] == '%') {
            out += '%';
            i++;
            continue;
        }
        size_t j = i + 1, index = 0;
        while (j < fmt.size() && fmt[j] >= '0' && fmt[j] <= '9' && index < 100)
            index = index * 10 + size_t(fmt[j++] - '0');
        const bool positional = j > i + 1 && j + 1 < fmt.size() && fmt[j] == '$' && fmt[j + 1] == 's' && index >= 1;
        const bool plain = fmt[i + 1] == 's';
        const size_t want = positional ? index - 1 : next;
        if ((positional || plain) && want < args.size()) {
            out += *(args.begin() + want);
            if (plain)
                next++;
            i = positional ? j + 1 : i + 1;
            continue;
        }
        out += '%';
    }
    return out;
}

} // namespace ldb
