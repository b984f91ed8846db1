import json
import random
from dataclasses import replace

import numpy as np
import pytest

from newsfuse.config import CopyConfig, StoryConfig
from newsfuse.copies import CopyDetector, find_copy_groups
from newsfuse.evaluation import bcubed
from newsfuse.ingest import article_from_json, build_article
from newsfuse.stories import JOIN_FEATURES, STORY_PAIR_FEATURES, StoryClusterer, StoryPairModel, cluster


def articles_of(rows):
    return [article_from_json(r, f"mds:{r['id']}") for r in rows]


def test_both_seeds_land_in_one_story(seeded):
    stories = seeded.stories()
    assert len(stories) == 1
    assert stories[0].size == 2 and stories[0].outlets == ["tienphong.vn"]  # the dateline code TPO


def test_batch_clustering_recovers_the_shared_clusters(mds_subset):
    arts = articles_of(mds_subset)
    random.Random(1).shuffle(arts)
    gold = {r["id"]: r["cluster_id"] for r in mds_subset}
    predicted = {a.article_id: a.story_id for a in cluster(arts, StoryConfig())}
    p, r, f1 = bcubed(predicted, gold)
    # bench/cluster_quality.py prints 0.93 on the whole corpus; 40 clusters have fewer look-alikes.
    assert f1 >= 0.90, (p, r, f1)


def test_streaming_in_date_order_agrees_with_batch(mds_subset):
    arts = sorted(articles_of(mds_subset), key=lambda a: a.published)
    gold = {r["id"]: r["cluster_id"] for r in mds_subset}
    batch = {a.article_id: a.story_id for a in cluster(arts, StoryConfig())}
    stream = StoryClusterer(StoryConfig())
    streamed = {a.id: stream.add(a).story_id for a in arts}
    assert abs(bcubed(streamed, gold)[2] - bcubed(batch, gold)[2]) < 0.04
    # Pairwise agreement of the two partitions.
    ids = list(batch)
    same = sum((batch[a] == batch[b]) == (streamed[a] == streamed[b]) for i, a in enumerate(ids) for b in ids[i + 1:])
    assert same / (len(ids) * (len(ids) - 1) / 2) > 0.99


def test_the_candidate_index_loses_nothing_against_scanning_every_story(mds_rows):
    """Streaming looks only at stories the index proposes (a bounded number per article); it must
    group the corpus as well as comparing each article with every story does."""
    arts = sorted(articles_of(mds_rows), key=lambda a: a.published)
    gold = {r["id"]: r["cluster_id"] for r in mds_rows}

    class Scan(StoryClusterer):
        def _candidates(self, vec, day=None):
            return list(self.stories)

    indexed, scanned = StoryClusterer(StoryConfig()), Scan(StoryConfig())
    by_index = {a.id: indexed.add(a).story_id for a in arts}
    by_scan = {a.id: scanned.add(a).story_id for a in arts}
    assert len(indexed.stories) > 100
    assert bcubed(by_index, gold)[2] >= bcubed(by_scan, gold)[2] - 0.01


def test_articles_without_dates_are_clustered_on_content(mds_subset):
    arts = articles_of([r | {"date": None} for r in mds_subset])
    gold = {r["id"]: r["cluster_id"] for r in mds_subset}
    predicted = {a.article_id: a.story_id for a in cluster(arts, StoryConfig())}
    assert bcubed(predicted, gold)[2] >= 0.85


def test_the_same_article_twice_is_one_member(nf, seeds_dir):
    nf.ingest([seeds_dir])
    nf.ingest([seeds_dir])
    assert [s.size for s in nf.stories()] == [2]


def lightly_edited(text: str, rng: random.Random) -> str:
    """A syndicated copy: a few words dropped, a sentence reworded at the top and the bottom."""
    words = text.split(" ")
    for _ in range(len(words) // 30):
        del words[rng.randrange(len(words))]
    return "Theo báo Tiền Phong, " + " ".join(words) + " (Nguồn: TPO)"


def test_a_planted_copy_of_a_seed_is_found_with_its_original(seed_texts):
    rng = random.Random(3)
    original = build_article(seed_texts["004"], origin="004", published="2023-06-27")
    other_outlet = build_article(seed_texts["000"], origin="000", published="2023-06-27")
    copy = build_article(lightly_edited(seed_texts["004"].split("- ", 1)[1], rng), origin="copy",
                         source="baomoi.com", published="2023-06-28")
    groups = find_copy_groups([copy, other_outlet, original], CopyConfig())
    assert len(groups) == 1
    assert groups[0].original_id == original.id
    assert list(groups[0].copies) == [copy.id]
    assert groups[0].copies[copy.id] > 0.5


def test_copies_are_found_in_the_store_and_named(nf, tmp_path, seed_texts, seeds_dir):
    nf.ingest([seeds_dir])
    copy = tmp_path / "copy.txt"
    copy.write_text("date 2023-06 BAOMOI - " + lightly_edited(seed_texts["004"].split("- ", 1)[1], random.Random(5)),
                    encoding="utf-8")
    report = nf.ingest([copy])
    copied = nf.store.copies_of(report.added)
    original = next(a.id for a in nf.articles() if a.source == "tienphong.vn")
    assert copied[report.added[0]][0] == original
    # The copy joins the seeds' story, and the brief does not count it as a second voice.
    assert [s.size for s in nf.stories()] == [3]
    brief = nf.brief(nf.stories()[0].id)
    assert any("cop" in n for n in brief.notes)


def test_parallel_signatures_give_the_same_copies_as_one_by_one(mds_rows):
    # 5 rounds of the corpus: every article of rounds 1-4 is an exact copy of round 0's.
    items = [(f"{r['id']}-{k}", r["text"], r["date"]) for k in range(5) for r in mds_rows]
    sequential = CopyDetector(CopyConfig()).add_many(items, workers=1)
    parallel = CopyDetector(CopyConfig()).add_many(items, workers=2)
    assert parallel == sequential
    assert sum(bool(found) for found in sequential) >= 4 * len(mds_rows)


def test_a_chunks_band_keys_at_once_are_each_articles_band_keys(mds_rows):
    """`band_keys_many` (an ingest's chunk at once) gives each signature the keys of the band
    formula applied to it alone, so the copy index finds the same buckets."""
    from newsfuse.copies import _MIX

    detector = CopyDetector(CopyConfig())
    hvs = np.stack([detector.signature(r["text"]) for r in mds_rows[:40]] + [np.zeros(128, dtype=np.uint32)])
    b, r = detector.bands, detector.band_rows
    expected = []
    for hv in hvs:  # one band at a time, as plain Python integers
        keys = []
        for band in range(b):
            acc = band * int(_MIX[2]) % 2**64
            for k in range(r):
                acc = ((acc ^ int(hv[band * r + k])) * int(_MIX[k % 2])) % 2**64
            keys.append(acc ^ (acc >> 29))
        expected.append(keys)
    assert detector.band_keys_many(hvs).tolist() == expected
    assert [detector.band_keys(hv).tolist() for hv in hvs] == expected


def test_a_reopened_store_keeps_assigning_to_its_stories(db, seeds_dir, tmp_path, seed_texts):
    import newsfuse

    with newsfuse.open(db) as first:
        first.ingest([seeds_dir])
        story = first.stories()[0].id
    copy = tmp_path / "copy.txt"
    copy.write_text("date 2023-06 BAOMOI - " + lightly_edited(seed_texts["004"].split("- ", 1)[1], random.Random(9)),
                    encoding="utf-8")
    with newsfuse.open(db) as again:  # the story and copy indexes are rebuilt from the store
        done: list[int] = []
        assert again.warm(progress=done.append) == 2 and sum(done) == 2
        assert again.warm() == 0  # once per process
        report = again.ingest([copy])
        assert report.stories[report.added[0]] == story
        assert again.store.copies_of(report.added)[report.added[0]][0] in {a.id for a in again.articles()}


def test_numpy_minhash_equals_datasketch(mds_rows):
    """The vectorised MinHash must give datasketch's values for the same shingles and permutations."""
    import numpy as np
    from datasketch import MinHash

    from newsfuse.copies import shingle_hashes

    detector = CopyDetector(CopyConfig())
    for r in mds_rows[:100]:
        shingles = shingle_hashes(detector.signer.token_hashes(r["text"]), detector.config.shingle)
        reference = MinHash(num_perm=detector.config.num_perm, hashfunc=int, scheme="affine32",
                            permutations=detector.signer.permutations)
        reference.update_batch(np.unique(shingles).tolist())
        assert (detector.signature(r["text"]) == reference.hashvalues).all()


def test_permutations_and_banding_are_datasketch_s():
    """The copy detector's permutations and banding, made without importing datasketch, are the
    ones datasketch makes, over a grid of thresholds and sizes (where its integration decides a
    near tie, too)."""
    import numpy as np
    from datasketch import MinHash
    from datasketch.lsh import _optimal_param

    from newsfuse.copies import affine32_permutations, banding

    for num_perm in (16, 64, 128, 256):
        expected = MinHash(num_perm=num_perm, scheme="affine32").permutations
        got = affine32_permutations(num_perm)
        assert got.dtype == expected.dtype and got.shape == expected.shape and (got == expected).all()
    for num_perm in (32, 64, 128, 256):
        for threshold in np.round(np.arange(0.05, 1.0, 0.05), 2).tolist():
            assert banding(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5), (threshold, num_perm)
    detector = CopyDetector(CopyConfig())
    assert (detector.bands, detector.band_rows) == _optimal_param(0.45, 128, 0.5, 0.5)


def test_copy_buckets_find_what_datasketch_finds_on_the_corpus(mds_rows):
    """The hand-written LSH buckets return the candidates datasketch's MinHashLSH returns (the same
    banding), as long as no bucket holds more look-alikes than the cap."""
    from datasketch import MinHash, MinHashLSH

    rng = random.Random(11)
    items = [(r["id"], r["text"], r["date"]) for r in mds_rows]
    items += [(f"{r['id']}-copy", lightly_edited(r["text"], rng), r["date"]) for r in mds_rows[::3]]
    detector = CopyDetector(CopyConfig())
    found = detector.add_many(items, workers=1)
    reference = MinHashLSH(threshold=0.45, num_perm=128)
    signatures = {}
    expected = []
    for article_id, text, _ in items:
        m = MinHash(num_perm=128, permutations=detector.signer.permutations, scheme="affine32")
        m.hashvalues = detector.signature(text)
        hits = [(c, float((signatures[c] == m.hashvalues).mean())) for c in reference.query(m)]
        hits = sorted((h for h in hits if h[1] >= 0.45), key=lambda p: -p[1])
        if not hits:
            reference.insert(article_id, m)
            signatures[article_id] = m.hashvalues
        expected.append(hits)
    assert found == expected
    assert sum(bool(f) for f in found) >= len(mds_rows[::3])


def test_a_flood_of_look_alike_tiny_articles_keeps_lookups_bounded(seed_texts):
    """100,000 tiny articles that share most words once made every copy lookup scan them all. A
    lookup now sees at most `max_bucket` articles per bucket, and a real copy is still found."""
    config = CopyConfig()
    detector = CopyDetector(config)
    flood = [(f"t{k}", f"Tin ngắn số {k} về thời tiết hôm nay.", None) for k in range(6000)]
    detector.add_many(flood, workers=1)
    probe = detector.band_keys(detector.signature("Tin ngắn số 7 về thời tiết hôm nay."))
    assert 0 < len(detector.index.lookup(probe)) <= config.max_bucket * detector.bands
    original = seed_texts["004"].split("- ", 1)[1]
    assert detector.add("seed", original) == []
    copied = detector.add("copy", lightly_edited(original, random.Random(2)))
    assert [c for c, _ in copied] == ["seed"]


def test_one_scan_of_the_head_finds_the_names_the_two_expressions_find(mds_rows, seed_texts):
    """`_head_names` (one scan) gives `_NAME_WORD`'s name syllables and `text.name_runs`' runs,
    the same lists in the same order, on every article head, title and lead of the shared corpus,
    the seeds and a few openings, quotes and line breaks."""
    from newsfuse.stories import _head_names, _name_words
    from newsfuse.text import name_runs

    texts = [t for r in mds_rows for t in (r["text"][:4000], r["title"], r.get("lead") or "")]
    texts += list(seed_texts.values())
    texts += ["Ông A. Bờ Cờ", '\n"Hà Nội" và “Tp. Hồ Chí Minh”', "x.\n(Hà Nội) Lê Văn  Tám2 Bốn",
              ". Hà Nội Mới", "“Ab Cd", "A B", "Ab. Cd Ef Gh", ".\n“Ab Cd”", "Hà Nội: Lê Lợi; “Trần Phú”",
              "abCd Ef", "x9Hà Nội", "_Ab Cd", "aB C", "Ab", "xÂu Lạc", "1A B", "a-Hà Nội"]  # a word character before a capital
    for t in texts:
        assert _head_names(t) == (_name_words(t), name_runs(t)), t[:80]


def _terms_one_by_one(article):
    """`article_terms` as it was written before the speed work (Counter's `+=` and `del`, a
    title syllable at a time): the reference the faster counting must equal, order included (the
    order terms were first seen breaks ties in the vectors)."""
    from collections import Counter

    from newsfuse.lang import fold, tokens
    from newsfuse.stories import _BODY_TOKENS, _HEAD_CHARS, NAME_MARK, RUN_MARK, _head_names, _name_words

    def count(c, toks, names, weight):
        for t in toks:
            c[t] += weight
        for n, k in Counter(names).items():
            left = c.get(n, 0.0) - k * weight
            if left > 0:
                c[n] = left
            elif n in c:
                del c[n]
            c[NAME_MARK + n] += k * weight

    names, runs = _head_names(article.text[:_HEAD_CHARS])
    c = Counter()
    count(c, tokens(article.text)[:_BODY_TOKENS], names, 1.0)
    count(c, tokens(article.title), _name_words(article.title), 3.0)
    if article.lead:
        count(c, tokens(article.lead), _name_words(article.lead), 2.0)
    for run in runs:
        c[RUN_MARK + fold(run)] += 1.0
    return c


def test_article_terms_equal_the_one_by_one_count_on_the_shared_corpus(mds_rows):
    from newsfuse.stories import article_terms

    for article in articles_of(mds_rows):
        assert list(article_terms(article).items()) == list(_terms_one_by_one(article).items()), article.id


def test_postings_give_each_terms_newest_stories_in_order_as_a_term_by_term_reading():
    """`_Postings.newest` gathers the compact run's share of all terms at once; it must list what
    reading term by term lists (the dict's newest, then the run's, `keep` per term), in that order:
    the candidates' order breaks ties between stories."""
    from newsfuse.stories import _Postings

    rng = random.Random(3)
    postings = _Postings(keep=5)
    every: dict[int, list[int]] = {}  # term -> stories in the order posted
    for story in range(3000):
        terms = rng.sample(range(60), rng.randint(1, 6))
        postings.add(terms, story)
        for t in terms:
            every.setdefault(t, []).append(story)
        if story % 97 == 0:
            probe = rng.sample(range(70), 12)  # 60..69: terms never posted
            # What a term-by-term reading gives: the newest `keep` of each term, newest first (a
            # merge keeps the newest `keep` of the run, so the union of the two is the newest).
            expected = [s for t in probe for s in reversed(every.get(t, [])[-5:])]
            assert postings.newest(probe) == expected, story
    assert len(postings.stories) > 0 and postings.recent_n > 0  # both parts were read


def test_add_many_with_a_worker_process_places_every_article_as_add_does(mds_subset):
    """Terms made in a worker process (`add_many` with a pool) give the same stories, in the same
    order, as `add` an article at a time; an article seen before keeps its story."""
    from newsfuse.workers import process_pool

    arts = sorted(articles_of(mds_subset), key=lambda a: a.published)
    arts.append(arts[3])  # the same article again
    one = StoryClusterer(StoryConfig())
    expected = [one.add(a) for a in arts]
    with process_pool(1) as pool:
        got = StoryClusterer(StoryConfig()).add_many(arts, pool)
    assert got == expected
    assert got[-1].story_id == got[3].story_id and not got[-1].new


def test_an_article_with_no_terms_opens_its_own_story():
    """No terms, no candidates: the index's lookup of no terms is empty, not an error."""
    from newsfuse.config import StoryConfig
    from newsfuse.ingest import article_from_json
    from newsfuse.stories import StoryClusterer

    c = StoryClusterer(StoryConfig())
    for k in range(3000):  # enough to merge the index's recent postings into its sorted run
        c.add(article_from_json({"id": f"a{k}", "date": "2023-06-26", "title": f"Tin số {k}",
                                 "text": f"Bão số {k} đổ bộ vào tỉnh {k % 7} sáng nay."}, "t"))
    assert len(c.index) and any(len(p.terms) for p in c.index.values())
    got = c.add_terms("dots", [], np.zeros(0), 738697.0)  # (ingest refuses such a text; the clusterer is public)
    assert got.new


def _threshold_as_a_model(threshold: float, features=STORY_PAIR_FEATURES) -> StoryPairModel:
    """The hand rule written as a pair model: p >= 0.5 exactly when the mean similarity reaches
    `threshold` (the weight 10 keeps the probabilities apart, so the most probable is the most similar)."""
    n = len(features)
    coef = np.zeros(n)
    coef[features.index("mean")] = 10.0
    return StoryPairModel(np.zeros(n), np.ones(n), coef, -10.0 * threshold, 0.5, features=features)


def test_the_first_pass_given_the_threshold_rule_as_a_model_makes_the_batchs_stories(mds_subset):
    """Undated (no time decay, which the rule applies and the model reads as `gap`), the first pass's
    learned join given the rule as its model makes the batch's stories; its features split the mean
    similarity by kind of term without losing any of it (names + figures + plain words = mean)."""
    arts = sorted(articles_of([r | {"date": None} for r in mds_subset]), key=lambda a: a.id)
    config = StoryConfig()
    plain = {a.article_id: a.story_id for a in cluster(arts, config)}
    recorded: list = []
    rule = _threshold_as_a_model(config.threshold, JOIN_FEATURES)
    assert {a.article_id: a.story_id for a in cluster(arts, config, join_model=rule, join_record=recorded)} == plain
    F = np.array([r.features for r in recorded])
    col = {n: k for k, n in enumerate(JOIN_FEATURES)}
    assert len(F) > len(arts) and (F[:, col["undated"]] == 1).all()
    assert np.allclose(F[:, col["names"]] + F[:, col["numbers"]] + F[:, col["plain"]], F[:, col["mean"]], atol=1e-5)
    assert (F[:, col["names"]] > 0).any() and (F[:, col["numbers"]] > 0).any()
    with pytest.raises(ValueError, match="join model features"):
        StoryClusterer(config, join_model=_threshold_as_a_model(config.threshold))


def test_the_learned_join_given_the_threshold_rule_makes_the_batchs_stories(mds_subset):
    """The pair model's path of the refinement decides as the threshold does when the model is the
    threshold: what differs with a trained model is the model, not the plumbing. Recording the pairs
    changes nothing."""
    arts = sorted(articles_of(mds_subset), key=lambda a: a.id)
    config = StoryConfig()
    plain = {a.article_id: a.story_id for a in cluster(arts, config)}
    recorded: list = []
    assert {a.article_id: a.story_id for a in cluster(arts, config, record=recorded)} == plain
    assert {a.article_id: a.story_id
            for a in cluster(arts, config, pair_model=_threshold_as_a_model(config.threshold))} == plain
    # A model that never says yes leaves every article alone.
    never = replace(_threshold_as_a_model(config.threshold), intercept=-1e3)
    assert len({a.story_id for a in cluster(arts, config, pair_model=never)}) == len(arts)
    # The records hold each weighed pair's features; the mean column is the similarity the rule cuts.
    assert recorded and all(len(r.features) == len(STORY_PAIR_FEATURES) for r in recorded)
    gold = {r["id"]: r["cluster_id"] for r in mds_subset}
    col = {n: k for k, n in enumerate(STORY_PAIR_FEATURES)}
    same = [r for r in recorded if r.others and all(gold[o] == gold[r.article_id] for o in r.others)]
    other = [r for r in recorded if r.others and not any(gold[o] == gold[r.article_id] for o in r.others)]
    for name in ("mean", "names", "title"):
        assert np.mean([r.features[col[name]] for r in same]) > 2 * np.mean([r.features[col[name]] for r in other]), name


def test_a_story_pair_model_file_round_trips_and_a_wrong_one_is_named(tmp_path):
    model = _threshold_as_a_model(0.29)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    back = StoryPairModel.load(path)
    F = np.random.default_rng(0).random((5, len(STORY_PAIR_FEATURES)))
    assert np.allclose(back.probability(F), model.probability(F))
    path.write_text(json.dumps(model.to_json() | {"features": ["mean"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="m.json"):
        StoryPairModel.load(path)
