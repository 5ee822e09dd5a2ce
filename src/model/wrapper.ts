/**
 * A classifier that forwards to another one, for wrappers that watch the calls (counting images,
 * timing them) without changing an answer. It forwards the four required members only: optional
 * capabilities such as `decider` are left out on purpose, so a watched classifier answers every
 * question through `predict`/`votes`, where the wrapper sees it.
 */
import type { Classifier, Votes } from "./classifier.js";

export abstract class ForwardingClassifier implements Classifier {
  constructor(readonly inner: Classifier) {}
  get shape() { return this.inner.shape; }
  get numClasses() { return this.inner.numClasses; }
  get bounds() { return this.inner.bounds; }
  get forwardPasses() { return this.inner.forwardPasses; }
  predict(batch: Float32Array, count: number): Promise<Int32Array> {
    return this.inner.predict(batch, count);
  }
  votes(batch: Float32Array, count: number): Promise<Votes> {
    return this.inner.votes(batch, count);
  }
}
