// A React 18 host. First README's example, as it is there (types.test.mjs checks), then uses and
// misuses of the elements' attributes.
import { createElement } from "react";
import { useEffect, useRef, type ClassAttributes, type HTMLAttributes } from "react";
import type { BuyCardElement, BuycardElementAttributes, BuycardOrderDetail } from "../../../buycard";

// Once per project: JSX learns the three tags and their attributes.
type Buycard = {
  [Tag in keyof BuycardElementAttributes]: HTMLAttributes<HTMLElementTagNameMap[Tag]> &
    ClassAttributes<HTMLElementTagNameMap[Tag]> & BuycardElementAttributes[Tag];
};
declare module "react" {
  namespace JSX {
    interface IntrinsicElements extends Buycard {}
  }
}

export function Post({ onOrder }: { onOrder: (order: BuycardOrderDetail) => void }) {
  const card = useRef<BuyCardElement>(null);
  useEffect(() => {
    const element = card.current;
    if (!element) return;
    const listener = (event: CustomEvent<BuycardOrderDetail>) => onOrder(event.detail);
    element.addEventListener("buycard:order", listener);
    return () => element.removeEventListener("buycard:order", listener);
  }, [onOrder]);
  return <buy-card ref={card} endpoint="/shops/lantern" feed="demo" product="enamel-pin" wallet="/wallet" />;
}

export function Elements() {
  return (
    <article>
      <buy-card endpoint="/shops/lantern" feed="demo" product="enamel-pin" wallet="/wallet" quantity={2} theme="dark" />
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

// Without JSX: `createElement` checks the attributes when given their type.
type Props<Tag extends keyof BuycardElementAttributes> = Buycard[Tag];
export const created = createElement<Props<"buy-card">, BuyCardElement>("buy-card", {
  endpoint: "/shops/lantern",
  feed: "demo",
  product: "enamel-pin",
  quantity: "1",
});
export const wrong = createElement<Props<"buy-card">, BuyCardElement>("buy-card", {
  endpoint: "/shops/lantern",
  feed: "demo",
  product: "enamel-pin",
  // @ts-expect-error `wallet` is a URL, not a flag
  wallet: true,
});
