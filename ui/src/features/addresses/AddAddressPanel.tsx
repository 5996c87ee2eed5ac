import { useState } from "react";
import { NewPanel } from "../../components/ChangePanel";
import { RequestActions } from "../../components/RequestActions";

interface AddAddressPanelProps {
  onClose: () => void;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/** Add an address-book entry: its name, asset, method and address, previewed as the Manage Addresses request it is. */
export function AddAddressPanel({ onClose, onSubmitted, onOpenRequest }: AddAddressPanelProps) {
  const [fields, setFields] = useState({ key: "", asset: "", method: "", address: "" });
  const set = (name: keyof typeof fields) => (e: { target: { value: string } }) => setFields({ ...fields, [name]: e.target.value });
  const t = { key: fields.key.trim(), asset: fields.asset.trim(), method: fields.method.trim(), address: fields.address.trim() };
  const problem =
    t.key === ""
      ? "Name: enter the entry's name (withdrawals use it)."
      : t.asset === ""
        ? "Asset: enter the asset code (BTC)."
        : t.method === ""
          ? "Method: enter the withdrawal method (Bitcoin)."
          : t.address === ""
            ? "Address: enter the destination."
            : undefined;
  return (
    <NewPanel testId="add-address" title="Add an address" onClose={onClose}>
      <p className="muted">Adding is a Manage Addresses request: it follows that workflow's policy. A new entry starts unverified.</p>
      <div className="field-row">
        <label className="field">
          <span>Name</span>
          <input data-testid="add-address-key" placeholder="e.g. cold-storage-3" value={fields.key} onChange={set("key")} />
        </label>
        <label className="field">
          <span>Asset</span>
          <input data-testid="add-address-asset" placeholder="BTC" value={fields.asset} onChange={set("asset")} />
        </label>
        <label className="field">
          <span>Method</span>
          <input data-testid="add-address-method" placeholder="Bitcoin" value={fields.method} onChange={set("method")} />
        </label>
      </div>
      <label className="field">
        <span>Address</span>
        <input data-testid="add-address-address" spellCheck={false} value={fields.address} onChange={set("address")} />
      </label>
      <RequestActions
        payload={problem === undefined ? { kind: "add_address", ...t } : undefined}
        problem={problem}
        testPrefix="add-address"
        previewTitle="Preview of the Manage Addresses request"
        submitLabel="Submit"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </NewPanel>
  );
}
