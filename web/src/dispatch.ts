// One click listener for the whole dashboard: a click on an element with `data-act="name"` (or
// inside one) runs the handler a panel registered for `name`, with that element.

export type Handler = (el: HTMLElement, e: Event) => void;

export class Dispatcher {
  private handlers = new Map<string, Handler>();

  /** Registers the handler of `act`; a second registration of the same act is a bug. */
  on(act: string, h: Handler): this {
    if (this.handlers.has(act)) throw new Error(`two handlers for data-act=${act}`);
    this.handlers.set(act, h);
    return this;
  }

  /** Runs the handler for the `[data-act]` element `e` came from; true when there was one. */
  dispatch(e: Event): boolean {
    const el = (e.target as Element | null)?.closest?.<HTMLElement>("[data-act]");
    const h = el && this.handlers.get(el.dataset.act!);
    if (!el || !h) return false;
    h(el, e);
    return true;
  }

  attach(root: HTMLElement): void {
    root.addEventListener("click", (e) => this.dispatch(e));
  }
}
