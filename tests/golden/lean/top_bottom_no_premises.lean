-- nsp Lean 4 export (Lean 4 core only; no Mathlib). Check: nsp lean check FILE.lean
-- goal: the conclusion
set_option autoImplicit false

namespace NSP

axiom U : Type
axiom nsp_witness : U  -- first-order domains are non-empty
noncomputable instance nsp_inhabited : Inhabited U := ⟨nsp_witness⟩

theorem nsp_goal :
    (True ∨ False) → ¬False := by
  sorry

end NSP
