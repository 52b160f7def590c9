"""Human messages for machine codes, in English and Arabic, chosen by ``Accept-Language``.

The Arabic is written for Arabic readers (short, direct, Modern Standard Arabic that
Egyptian and Gulf readers alike read naturally), not translated word for word.
"""

from __future__ import annotations

from flask import has_request_context, request

LANGUAGES = ("en", "ar")

MESSAGES: dict[str, dict[str, str]] = {
    "validation_failed": {
        "en": "Some fields are missing or invalid.",
        "ar": "بعض الحقول ناقصة أو غير صحيحة.",
    },
    "required": {"en": "This field is required.", "ar": "هذا الحقل مطلوب."},
    "too_long": {
        "en": "This must be at most {max} characters long.",
        "ar": "يجب ألا يزيد طوله على {max} حرفًا.",
    },
    "invalid_email": {
        "en": "Enter a valid email address.",
        "ar": "أدخل بريدًا إلكترونيًا صحيحًا.",
    },
    "invalid_url": {
        "en": "Enter a web address that starts with http:// or https://.",
        "ar": "أدخل عنوان موقع يبدأ بـ http:// أو https://.",
    },
    "invalid_ip": {"en": "Enter a valid IP address.", "ar": "أدخل عنوان IP صحيحًا."},
    "wrong_type": {
        "en": "This value has the wrong type (expected {expected}).",
        "ar": "نوع هذه القيمة غير صحيح (المتوقَّع: {expected}).",
    },
    "invalid_value": {"en": "This value is not valid.", "ar": "هذه القيمة غير صالحة."},
    "parent_not_found": {
        "en": "The comment you are replying to is not in this thread or is not published.",
        "ar": "التعليق الذي تردّ عليه غير موجود في هذه المقالة أو لم يُنشر بعد.",
    },
    "malformed_json": {
        "en": "The request body is not valid JSON.",
        "ar": "محتوى الطلب ليس بصيغة JSON صحيحة.",
    },
    "not_json_object": {
        "en": "The request body must be a JSON object.",
        "ar": "يجب أن يكون محتوى الطلب كائن JSON.",
    },
    "invalid_utf8": {
        "en": "The request body is not valid UTF-8 text.",
        "ar": "محتوى الطلب ليس نصًا صحيحًا بترميز UTF-8.",
    },
    "body_too_large": {
        "en": "The request body is larger than {max} bytes.",
        "ar": "حجم الطلب أكبر من الحد المسموح ({max} بايت).",
    },
    "unsupported_media_type": {
        "en": "Send JSON (application/json) or a form (application/x-www-form-urlencoded).",
        "ar": "أرسل البيانات بصيغة JSON أو كنموذج (application/x-www-form-urlencoded).",
    },
    "invalid_cursor": {
        "en": "This page cursor is not valid; start again from the first page.",
        "ar": "مؤشر الصفحة غير صالح؛ ابدأ من الصفحة الأولى.",
    },
    "site_not_found": {"en": "There is no site with this name.", "ar": "لا يوجد موقع بهذا الاسم."},
    "comment_not_found": {"en": "There is no such comment.", "ar": "هذا التعليق غير موجود."},
    "not_found": {"en": "Nothing was found at this address.", "ar": "لا يوجد شيء على هذا العنوان."},
    "method_not_allowed": {
        "en": "This method is not allowed here.",
        "ar": "هذه الطريقة غير مسموح بها هنا.",
    },
    "bad_request": {"en": "The request is not valid.", "ar": "الطلب غير صالح."},
    "unauthorized": {
        "en": "A valid site key is required (Authorization: Bearer <key>).",
        "ar": "يلزم مفتاح موقع صالح (Authorization: Bearer <key>).",
    },
    "forbidden": {
        "en": "This key does not give access to this site.",
        "ar": "هذا المفتاح لا يسمح بالوصول إلى هذا الموقع.",
    },
    "origin_not_allowed": {
        "en": "Comments from this origin are not accepted by this site.",
        "ar": "هذا الموقع لا يقبل التعليقات المرسلة من هذا المصدر.",
    },
    "database_unavailable": {
        "en": "The database cannot be reached right now. Nothing was saved; try again shortly.",
        "ar": "تعذّر الوصول إلى قاعدة البيانات الآن، ولم يُحفظ شيء. أعد المحاولة بعد قليل.",
    },
    "service_unavailable": {
        "en": "The service is not ready: {detail}.",
        "ar": "الخدمة غير جاهزة الآن: {detail}.",
    },
    "moderator_unauthorized": {
        "en": "Log in, or send a moderator token (Authorization: Bearer mdt_...).",
        "ar": "سجّل الدخول أو أرسل رمز مشرف صالحًا (Authorization: Bearer mdt_...).",
    },
    "admin_required": {
        "en": "Only an administrator can do this.",
        "ar": "هذا الإجراء متاح للمسؤولين فقط.",
    },
    "login_failed": {
        "en": "Wrong email or password.",
        "ar": "البريد الإلكتروني أو كلمة المرور غير صحيحة.",
    },
    "account_invalid": {
        "en": "This account cannot be saved: {detail}.",
        "ar": "تعذّر حفظ الحساب: {detail}.",
    },
    "stale_version": {
        "en": "Someone changed this comment meanwhile (it is now at version {current}). "
              "Reload it and decide again.",
        "ar": "عدّل أحدٌ هذا التعليق في أثناء ذلك (نسخته الآن {current}). "
              "أعد تحميله ثم قرّر من جديد.",
    },
    "invalid_transition": {
        "en": "You cannot {action} a comment that is {state}.",
        "ar": "لا يمكن تنفيذ «{action}» على تعليق حالته «{state}».",
    },
    "claimed": {
        "en": "Another moderator is looking at this comment until {until}.",
        "ar": "مشرف آخر يراجع هذا التعليق حتى {until}.",
    },
    "author_banned": {
        "en": "You can no longer comment on this site.",
        "ar": "لم يعد بإمكانك التعليق على هذا الموقع.",
    },
    "author_suspended": {
        "en": "You cannot comment on this site until {until}.",
        "ar": "لا يمكنك التعليق على هذا الموقع قبل {until}.",
    },
    "rate_limited": {
        "en": "Too many requests. Try again in a few minutes.",
        "ar": "طلبات كثيرة جدًا. حاول مجددًا بعد بضع دقائق.",
    },
    "items_or_author": {
        "en": "Give either a list of comments or an author, not both.",
        "ar": "حدِّد قائمة تعليقات أو كاتبًا، لا الاثنين معًا.",
    },
    "invalid_choice": {
        "en": "Choose one of: {allowed}.",
        "ar": "اختر واحدًا من: {allowed}.",
    },
    "threshold_order": {
        "en": "The hold threshold must not be above the reject threshold.",
        "ar": "يجب ألا تتجاوز عتبة الحجز عتبة الرفض.",
    },
    "internal_error": {
        "en": "Something went wrong on our side. Please try again.",
        "ar": "حدث خطأ من جهتنا. حاول مرة أخرى من فضلك.",
    },
    "https_required": {
        "en": "Webhook addresses must start with https://.",
        "ar": "يجب أن يبدأ عنوان الـ webhook بـ https://.",
    },
    "forbidden_address": {
        "en": "Webhooks cannot be sent to this address: it points to a private or reserved "
              "network ({detail}).",
        "ar": "لا يمكن إرسال الـ webhooks إلى هذا العنوان لأنه يشير إلى شبكة خاصة أو محجوزة "
              "({detail}).",
    },
    "unresolvable_host": {
        "en": "The host name of this address could not be found ({detail}).",
        "ar": "تعذّر العثور على اسم الخادم في هذا العنوان ({detail}).",
    },
    "webhook_not_found": {
        "en": "There is no such webhook endpoint for this site.",
        "ar": "لا توجد نقطة webhook بهذا المعرّف لهذا الموقع.",
    },
    "webhook_message_not_found": {
        "en": "There is no such webhook message for this endpoint.",
        "ar": "لا توجد رسالة webhook بهذا المعرّف لهذه النقطة.",
    },
    "webhook_disabled": {
        "en": "This webhook endpoint is disabled; enable it first (PATCH with \"enabled\": true).",
        "ar": "نقطة الـ webhook هذه معطّلة؛ فعّلها أولًا (PATCH مع \"enabled\": true).",
    },
}


def current_language() -> str:
    if not has_request_context():
        return "en"
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def translate(code: str, lang: str | None = None, **params) -> str:
    lang = lang or current_language()
    entry = MESSAGES.get(code) or MESSAGES["invalid_value"]
    template = entry.get(lang) or entry["en"]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
