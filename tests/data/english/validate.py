"""Checks articles.jsonl and labels.jsonl of this directory against each other.

python3 validate.py        -> prints problems (none expected) and a review list of
                              date-like words and capitalised words that no label covers.
"""
import datetime, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
problems = []

def bad(msg):
    problems.append(msg)

arts = {}
for n, line in enumerate(open(os.path.join(HERE, "articles.jsonl"), encoding="utf-8"), 1):
    a = json.loads(line)
    if set(a) != {"id", "story", "source", "date", "title", "text"}:
        bad(f"articles line {n}: fields {sorted(a)}")
    datetime.datetime.fromisoformat(a["date"])
    if "T" not in a["date"]:
        bad(f"{a['id']}: date without time")
    words = len(re.findall(r"\S+", a["text"]))
    if not 150 <= words <= 400:
        bad(f"{a['id']}: {words} words")
    arts[a["id"]] = a

ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
labels = [json.loads(l) for l in open(os.path.join(HERE, "labels.jsonl"), encoding="utf-8")]
covered = {aid: [] for aid in arts}      # spans of text covered by a mention or a date
seen_articles = []
for rec in labels:
    st = rec["story"]
    ids = rec["articles"]
    seen_articles += ids
    for aid in ids:
        if arts[aid]["story"] != st:
            bad(f"{aid}: story {arts[aid]['story']} != {st}")
    names = {}
    for e in rec["entities"]:
        if e["type"] not in ("PER", "ORG", "LOC"):
            bad(f"{st}: type {e['type']}")
        for s in [e["name"]] + e["aliases"]:
            names.setdefault(s, set()).add(e["type"])
    used = set()
    # mentions: exact substrings, in order, not overlapping, name/alias of an entity of that type
    for aid in ids:
        a = arts[aid]
        for field in ("title", "text"):
            s, pos = a[field], 0
            for surface, typ in rec["mentions"][aid][field]:
                if typ not in names.get(surface, ()):
                    bad(f"{aid}.{field}: {surface!r} is no {typ} name or alias")
                i = s.find(surface, pos)
                if i < 0:
                    bad(f"{aid}.{field}: mention {surface!r} not found after {pos}")
                    continue
                j = i + len(surface)
                if (i > 0 and s[i - 1].isalnum()) or (j < len(s) and s[j].isalnum()):
                    bad(f"{aid}.{field}: plain search for {surface!r} lands inside a word at {i}")
                if field == "text":
                    covered[aid].append((i, i + len(surface)))
                used.add(surface)
                pos = i + len(surface)
    for s in names:
        if s not in used:
            bad(f"{st}: name/alias {s!r} never mentioned")
    # dates: occur in order in title then text; ISO values; ranges start/end
    for aid in ids:
        a = arts[aid]
        whole, pos = a["title"] + "\n" + a["text"], 0
        for d in [d for d in rec["dates"] if d["article"] == aid]:
            i = whole.find(d["text"], pos)
            if i < 0:
                bad(f"{aid}: date {d['text']!r} not found in order")
                continue
            j = i + len(d["text"])
            if (i > 0 and whole[i - 1].isalnum()) or (j < len(whole) and whole[j].isalnum()):
                bad(f"{aid}: plain search for date {d['text']!r} lands inside a word")
            t0 = i - len(a["title"]) - 1
            if t0 >= 0:
                covered[aid].append((t0, t0 + len(d["text"])))
            pos = i + len(d["text"])
            parts = d["value"].split("/")
            if len(parts) > 2 or not all(ISO.match(p) for p in parts) or parts != sorted(parts):
                bad(f"{aid}: value {d['value']!r}")
    # sentences and meta
    for aid in ids:
        text, meta = arts[aid]["text"], rec["meta"][aid]
        rest, pos = list(text), 0
        for sent in rec["sentences"][aid]:
            i = text.find(sent, pos)
            if i < 0:
                bad(f"{aid}: sentence not found in order: {sent[:60]!r}")
                continue
            for k in range(i, i + len(sent)): rest[k] = " "
            pos = i + len(sent)
        for line in meta["captions"] + meta["credits"]:
            i = text.find(line)
            if i < 0:
                bad(f"{aid}: meta line not in text: {line!r}")
            for k in range(i, i + len(line)): rest[k] = " "
        if meta["author"]:
            for form in ("By " + meta["author"], "— " + meta["author"]):
                i = text.find(form)
                if i >= 0:
                    for k in range(i, i + len(form)): rest[k] = " "
                    break
            else:
                bad(f"{aid}: author line not found")
        paras = text.split("\n\n")
        if meta["dateline_place"]:
            dl = [p for p in paras if p.startswith(meta["dateline_place"])]
            if not dl:
                bad(f"{aid}: no paragraph starts with the dateline place")
            else:
                m = re.match(r"^.*? [-—] ", dl[0])
                i = text.find(m.group(0))
                for k in range(i, i + len(m.group(0))): rest[k] = " "
        left = "".join(rest).strip()
        if left:
            bad(f"{aid}: text not accounted for by sentences/meta: {left!r}")
for aid in arts:
    if seen_articles.count(aid) != 1:
        bad(f"{aid}: in {seen_articles.count(aid)} stories")

# review list: date-like words and capitalised words outside every label
DATEWORD = re.compile(r"\b(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\b"
                      r"|\b(19|20)\d\d\b|\b(yesterday|today|tonight|tomorrow|week|month|year|season|weekend)\b")
review = []
for aid, a in arts.items():
    text = a["text"]
    cov = covered[aid]
    def inside(i, j):
        return any(s <= i and j <= e for s, e in cov)
    for m in DATEWORD.finditer(text):
        if not inside(m.start(), m.end()):
            review.append(f"{aid} date-like: ...{text[max(0, m.start()-30):m.end()+15]!r}")
    for m in re.finditer(r"\b[A-Z][\w'-]*(?:\.[A-Z]\.?)*", text):
        tok = re.sub(r"'s?$", "", m.group(0))
        if inside(m.start(), m.start() + len(tok)):
            continue
        before = text[:m.start()].rstrip()
        if before == "" or before[-1] in ".\"—-\n" or before.endswith("\n\n"):
            continue   # sentence or line start
        review.append(f"{aid} capitalised: {m.group(0)!r} in ...{text[max(0, m.start()-25):m.end()+10]!r}")

print(f"{len(arts)} articles, {len(labels)} stories, "
      f"{sum(len(m['title']) + len(m['text']) for r in labels for m in r['mentions'].values())} mentions, "
      f"{sum(len(r['dates']) for r in labels)} dates, "
      f"{sum(len(s) for r in labels for s in r['sentences'].values())} sentences")
if "-r" in sys.argv:
    print("\n".join(review))
print("PROBLEMS:" if problems else "OK: no problems", *problems, sep="\n")
sys.exit(1 if problems else 0)
