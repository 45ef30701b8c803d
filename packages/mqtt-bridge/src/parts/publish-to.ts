import type { BrokerLink } from "../broker-link.js";
import type { Publication } from "../publication.js";

/** A publication sent on the link: retained states with QoS 1 (they must arrive), events with QoS 0. Never throws. */
export function publishTo(link: BrokerLink): (publication: Publication) => void {
  return (publication) =>
    void link.publish(publication.topic, publication.payload, { retain: publication.retain, qos: publication.retain ? 1 : 0 });
}
