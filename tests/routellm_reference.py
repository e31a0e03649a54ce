"""RouteLLM's metrics written out plainly, as the independent arithmetic tests compare with."""

from __future__ import annotations


def routellm_apgr(qc, qe, scores):
    """RouteLLM's APGR written out: route the top-k by score to the strong model for every k, then
    (AUC(quality) - AUC(weak)) / (AUC(strong) - AUC(weak)) by the trapezoidal rule over share k/n."""
    n = len(scores)
    order = sorted(range(n), key=lambda i: -scores[i])
    shares, quality = [], []
    for k in range(n + 1):
        strong = set(order[:k])
        if k and k < n and scores[order[k - 1]] == scores[order[k]]:
            continue  # equal scores move together under score >= threshold
        shares.append(k / n)
        quality.append(sum(qe[i] if i in strong else qc[i] for i in range(n)) / n)
    auc = sum((shares[i + 1] - shares[i]) * (quality[i] + quality[i + 1]) / 2 for i in range(len(shares) - 1))
    weak, strong_q = sum(qc) / n, sum(qe) / n
    return (auc - weak) / (strong_q - weak)
