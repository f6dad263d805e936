-- nsp Lean 4 export (Lean 4 core only; no Mathlib). Check: nsp lean check FILE.lean
-- goal: the conclusion
set_option autoImplicit false

namespace NSP

axiom U : Type
axiom Loves : U → U → Prop
axiom Happy : U → Prop
axiom Hates : U → U → Prop
axiom nsp_witness : U  -- first-order domains are non-empty
noncomputable instance nsp_inhabited : Inhabited U := ⟨nsp_witness⟩

theorem nsp_goal
    (h1 : ∀ x : U, ∃ y : U, Loves x y)
    (h2 : ∀ x y : U, Loves x y → Happy x)
    (h3 : ∃ x : U, ∀ y : U, ¬(Hates x y)) :
    ∀ x : U, Happy x ∧ (∃ z w : U, Loves z w ∨ ¬(Hates w z)) := by
  sorry

end NSP
