import type { ActorRef } from "../bindings/ActorRef";

/** A member or service user by name, marked so a bot is never mistaken for a person. */
export function ActorName({ actor }: { actor: ActorRef }) {
  const bot = actor.kind === "service_user";
  return (
    <span className="actor">
      <span className="actor-name">{actor.name}</span>
      <span
        className={bot ? "actor-kind actor-kind-bot" : "actor-kind"}
        title={bot ? "Service user (bot)" : "Member (person)"}
      >
        {bot ? "bot" : "member"}
      </span>
    </span>
  );
}
