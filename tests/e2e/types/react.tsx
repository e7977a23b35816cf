// A React 18 host, typed as README's "TypeScript, React and other frameworks" says: the element
// types imported from buycard.d.ts, JSX's IntrinsicElements given the elements' attributes.
import * as React from "react";
import type { BuyCardElement, BuycardElementAttributes, BuycardOrderDetail } from "../../../buycard";

// An element's React props: React's for any HTML element, and its own attributes.
type Props<Tag extends keyof BuycardElementAttributes> = React.HTMLAttributes<HTMLElementTagNameMap[Tag]> &
  BuycardElementAttributes[Tag];
type BuycardJSX = {
  [Tag in keyof BuycardElementAttributes]: Props<Tag> & React.ClassAttributes<HTMLElementTagNameMap[Tag]>;
};
declare module "react" {
  namespace JSX {
    interface IntrinsicElements extends BuycardJSX {}
  }
}

export function Post({ onOrder }: { onOrder: (order: BuycardOrderDetail) => void }) {
  const card = React.useRef<BuyCardElement>(null);
  React.useEffect(() => {
    const element = card.current;
    if (!element) return;
    // React 18 passes custom elements no event props: listen through the ref.
    const listener = (event: CustomEvent<BuycardOrderDetail>) => onOrder(event.detail);
    element.addEventListener("buycard:order", listener);
    return () => element.removeEventListener("buycard:order", listener);
  }, [onOrder]);
  return (
    <article>
      <buy-card ref={card} endpoint="/shops/lantern" feed="demo" product="enamel-pin" wallet="/wallet" quantity={2} theme="dark" />
      <product-carousel endpoint="/shops/lantern" feed="demo" action="buy" autoplay="5" label="Shop" />
      <buy-cart wallet="/wallet" locale="fr-FR" />
    </article>
  );
}

export function Misuses() {
  return (
    <>
      {/* @ts-expect-error `product` is required */}
      <buy-card endpoint="/shops/lantern" feed="demo" />
      {/* @ts-expect-error `quantity` is a number */}
      <buy-card endpoint="/shops/lantern" feed="demo" product="enamel-pin" quantity="two" />
      {/* @ts-expect-error `theme` is light or dark */}
      <buy-card endpoint="/shops/lantern" feed="demo" product="enamel-pin" theme="blue" />
      {/* @ts-expect-error `action` is link or buy */}
      <product-carousel endpoint="/shops/lantern" feed="demo" action="open" />
      {/* @ts-expect-error a cart has no `product` */}
      <buy-cart product="enamel-pin" />
    </>
  );
}

// Without JSX: `React.createElement` checks the attributes when given their type.
export const created = React.createElement<Props<"buy-card">, BuyCardElement>("buy-card", {
  endpoint: "/shops/lantern",
  feed: "demo",
  product: "enamel-pin",
  quantity: "1",
});
export const wrong = React.createElement<Props<"buy-card">, BuyCardElement>("buy-card", {
  endpoint: "/shops/lantern",
  feed: "demo",
  product: "enamel-pin",
  // @ts-expect-error `wallet` is a URL, not a flag
  wallet: true,
});
