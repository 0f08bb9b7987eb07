"""Words of the field pages (/resident, /responder, /silent) added after the shared table.

Read on weak phones by people who may be hiding or running: short, calm, one action at a time.
"""

from __future__ import annotations

# key -> (he, ar, en); a key may appear in one words module only.
WORDS: dict[str, tuple[str, str, str]] = {
    # A report kept on the phone while offline that the server then refused (an address it
    # could not find): it is put back in its form, never dropped.
    "fd_saved_refused": (
        "דיווח שנשמר בטלפון לא נשלח: {reason} הוא חזר לטופס שלו למטה. בדקו ושלחו שוב.",
        "بلاغ محفوظ في الهاتف لم يُرسل: {reason} أعدناه إلى نموذجه أدناه. تحقق منه وأرسله مجددًا.",
        "A report saved on this phone was not sent: {reason} It is back in its form below."
        " Check it and send again.",
    ),
    # Sending with no place yet: the phone's location is asked first.
    "fd_locating_then_send": (
        "מאתרים את המיקום שלכם ושולחים…",
        "نحدد موقعك ثم نرسل…",
        "Finding your location, then sending…",
    ),
    # The shelter line of the advice, as the server writes it on a page without JavaScript.
    "fd_shelter_walk": (
        "מקלט: {name} · {m} דקות הליכה",
        "ملجأ: {name} · {m} دقائق مشيًا",
        "Shelter: {name} · {m} min walk",
    ),
    # The responder's task: what it is sent to.
    "fd_task_sos": ("קריאת SOS", "طلب SOS", "SOS call"),
    "fd_task_track": ("מחבלים", "مسلّحون", "Attackers"),
    "fd_task_incident": ("אירוע", "حادث", "Incident"),
    "fd_task_silent": (
        "SOS שקט: לא להתקשר, להתקרב בשקט",
        "SOS صامت: لا تتصل، اقترب بهدوء",
        "Silent SOS: do not call, approach quietly",
    ),
    # The responder's commands are not kept offline (a status an hour late would mislead):
    # said plainly, never "kept on this phone".
    "fd_not_sent": (
        "אין חיבור: לא נשלח. נסו שוב כשיהיה חיבור.",
        "لا يوجد اتصال: لم يُرسل. حاول مجددًا عند عودة الاتصال.",
        "No connection: not sent. Try again when there is a connection.",
    ),
}
