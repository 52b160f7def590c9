"""Moderator-facing explanations, in English and Arabic, one per finding code."""

from __future__ import annotations

from typing import Any

from .findings import Finding, Span

CATEGORY_NAMES = {
    "obscene": ("obscene", "بذيئة"), "insult": ("insulting", "مسيئة"),
    "hate": ("hateful (attacks an identity)", "تحض على الكراهية"),
    "threat": ("threatening", "تهديد"), "abuse": ("abusive", "مسيئة"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    "lexicon.banned": ("Uses {category} language that is never acceptable: {terms}.",
                       "يستخدم ألفاظاً {category_ar} غير مقبولة إطلاقاً: {terms}."),
    "lexicon.suspect": ("Uses words that may be {category} depending on context: {terms}.",
                        "يستخدم كلمات قد تكون {category_ar} حسب السياق: {terms}."),
    "site.banned": ("Uses a word this site has banned: {terms}.",
                    "يستخدم كلمة حظرها هذا الموقع: {terms}."),
    "site.suspect": ("Uses a word this site reviews before publishing: {terms}.",
                     "يستخدم كلمة يراجعها هذا الموقع قبل النشر: {terms}."),
    "model.abuse": ("The abuse model rates this comment as likely abusive (probability "
                    "{probability}).", "يقدّر نموذج الإساءة أن التعليق مسيء على الأرجح "
                    "(احتمال {probability})."),
    "model.spam": ("The spam model rates this comment as likely spam (probability "
                   "{probability}).", "يقدّر نموذج الرسائل المزعجة أن التعليق إعلان مزعج على "
                   "الأرجح (احتمال {probability})."),
    "links.blocked_domain": ("Links to a domain this site blocks: {domains}.",
                             "يحتوي على رابط لنطاق يحظره هذا الموقع: {domains}."),
    "links.blocked_author_url": ("The author's website is on a domain this site blocks: "
                                 "{domains}.", "موقع الكاتب على نطاق يحظره هذا الموقع: {domains}."),
    "links.shortener": ("Uses a link shortener that hides where the link goes.",
                        "يستخدم خدمة اختصار روابط تخفي وجهة الرابط."),
    "links.many": ("Contains {count} links.", "يحتوي على {count} روابط."),
    "links.present": ("Contains a link, and this site reviews comments with links.",
                      "يحتوي على رابط، وهذا الموقع يراجع التعليقات التي فيها روابط."),
    "contact.details": ("Gives contact details (phone number, email, WhatsApp or Telegram).",
                        "يتضمن وسيلة اتصال (رقم هاتف أو بريد أو واتساب أو تيليجرام)."),
    "spam.commercial": ("Uses the vocabulary of commercial or scam adverts.",
                        "يستخدم عبارات الإعلانات التجارية أو الاحتيالية."),
    "spam.advert": ("Advertises a product or service together with a way to contact the seller.",
                    "يعلن عن منتج أو خدمة مع وسيلة للتواصل مع البائع."),
    "duplicate.author": ("The author posted the same text just before.",
                         "نشر الكاتب النص نفسه في تعليقه السابق."),
    "duplicate.seen": ("The same text was posted {count} time(s) elsewhere recently.",
                       "نُشر النص نفسه {count} مرة في مواضع أخرى مؤخراً."),
    "duplicate.across": ("The same text was posted {count} times across threads or sites.",
                         "نُشر النص نفسه {count} مرات في مواضيع أو مواقع مختلفة."),
    "flood.ip": ("{count} comments from the same address in a short time.",
                 "{count} تعليقات من العنوان نفسه في وقت قصير."),
    "flood.email": ("{count} comments from the same email in a short time.",
                    "{count} تعليقات من البريد نفسه في وقت قصير."),
    "bot.honeypot": ("A hidden form field that people never see was filled in.",
                     "تم ملء حقل مخفي في النموذج لا يراه البشر."),
    "bot.too_fast": ("The form was sent {seconds} s after it was shown: too fast for a person.",
                     "أُرسل النموذج بعد {seconds} ثانية من عرضه: أسرع من أن يكتبه إنسان."),
    "reputation.bad": ("Most of this author's earlier comments were rejected ({rejected} "
                       "rejected, {published} published).", "رُفضت أغلب تعليقات هذا الكاتب "
                       "السابقة ({rejected} مرفوضة، {published} منشورة)."),
    "reputation.first_comment": ("The author's first comment on this site, and the site reviews "
                                 "first comments.", "أول تعليق للكاتب على هذا الموقع، والموقع "
                                 "يراجع التعليقات الأولى."),
}


def finding(code: str, category: str, score: float, spans: tuple[Span, ...] = (),
            **values: Any) -> Finding:
    en_name, ar_name = CATEGORY_NAMES.get(category, (category, category))
    en, ar = MESSAGES[code]
    values = {"category": en_name, "category_ar": ar_name, **values}
    return Finding(code=code, category=category, score=round(float(score), 4),
                   message={"en": en.format(**values), "ar": ar.format(**values)}, spans=spans)
