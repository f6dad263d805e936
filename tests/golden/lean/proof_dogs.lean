-- nsp Lean 4 export (Lean 4 core only; no Mathlib). Check: nsp lean check FILE.lean
-- goal: the conclusion
set_option autoImplicit false

namespace NSP

axiom U : Type
axiom rex : U
axiom Dog : U → Prop
axiom Animal : U → Prop
axiom Plant : U → Prop
noncomputable instance nsp_inhabited : Inhabited U := ⟨rex⟩

theorem nsp_goal
    (h1 : ∀ x : U, Dog x → Animal x)
    (h2 : ∀ x : U, Animal x → ¬(Plant x))
    (h3 : Dog rex) :
    ¬(Plant rex) := by
  -- s1: rule modus_ponens (z3), from h1, h3
  have s1 : Animal rex := by exact h1 rex h3
  -- s2: rule entailment (z3), from h2, s1
  have s2 : ¬(Plant rex) := by exact h2 rex s1
  exact s2

end NSP
