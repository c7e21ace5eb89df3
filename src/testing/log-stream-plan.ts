import { mix, mulberry32 } from './log-catalog';
import type { LogStreamElement } from './log-stream-types';

/** What a stream does with some logs: which it drops, which it sends twice, and the deliveries. */
export interface StreamPlan {
  deliveries: LogStreamElement[][];
  dropped: string[];
  duplicated: string[];
}

export interface PlanOptions {
  seed: number;
  dropShare: number;
  duplicateShare: number;
  shuffle: boolean;
  logsPerDelivery: number;
}

/**
 * Plans the deliveries of `elements` (in the source's order), deterministically from `seed` and
 * `round` (a following stream plans each new slice as its own round). A dropped log is in no
 * delivery; a duplicated one is sent again in a delivery 1 to 3 after its original's (with
 * `shuffle`, everything is shuffled, copies included, so a copy may share its original's delivery).
 */
export function planStream(
  elements: readonly LogStreamElement[],
  o: PlanOptions,
  round: number,
): StreamPlan {
  const random = mulberry32(mix(o.seed, 0x5743 + round));
  const dropped: string[] = [];
  const duplicated: string[] = [];
  const kept: { element: LogStreamElement; twice: boolean; later: number }[] = [];
  for (const element of elements) {
    const drop = random() < o.dropShare;
    const twice = random() < o.duplicateShare;
    const later = Math.floor(random() * 3);
    if (drop) dropped.push(element.log_id);
    else kept.push({ element, twice, later });
    if (twice && !drop) duplicated.push(element.log_id);
  }
  if (o.shuffle) {
    const order = kept.flatMap((k) => (k.twice ? [k.element, k.element] : [k.element]));
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as LogStreamElement, order[i] as LogStreamElement];
    }
    const deliveries: LogStreamElement[][] = [];
    for (let at = 0; at < order.length; at += o.logsPerDelivery)
      deliveries.push(order.slice(at, at + o.logsPerDelivery));
    return { deliveries, dropped, duplicated };
  }
  // In order: a copy waits for a delivery 1 to 3 after its original's, before the next originals.
  const deliveries: LogStreamElement[][] = [];
  const copies: { element: LogStreamElement; from: number }[] = [];
  let next = 0;
  while (next < kept.length || copies.length > 0) {
    const index = deliveries.length;
    const delivery: LogStreamElement[] = [];
    for (let c = 0; c < copies.length && delivery.length < o.logsPerDelivery;) {
      const copy = copies[c] as { element: LogStreamElement; from: number };
      if (copy.from > index) c++;
      else delivery.push(copies.splice(c, 1)[0]?.element as LogStreamElement);
    }
    while (next < kept.length && delivery.length < o.logsPerDelivery) {
      const { element, twice, later } = kept[next++] as (typeof kept)[number];
      delivery.push(element);
      if (twice) copies.push({ element, from: index + 1 + later });
    }
    if (delivery.length > 0) deliveries.push(delivery);
    else {
      // only copies left, all waiting for a later delivery: the next delivery is theirs
      const first = Math.min(...copies.map((copy) => copy.from));
      for (const copy of copies) if (copy.from === first) copy.from = index;
    }
  }
  return { deliveries, dropped, duplicated };
}
