-- nsp Lean 4 export (Lean 4 core only; no Mathlib). Check: nsp lean check FILE.lean
-- goal: the conclusion
set_option autoImplicit false

namespace NSP

axiom U : Type
axiom rex : U
axiom Dog : U → Prop
axiom Animal : U → Prop
noncomputable instance nsp_inhabited : Inhabited U := ⟨rex⟩

theorem nsp_goal
    (h1 : ∀ x : U, Dog x → Animal x)
    (h2 : Dog rex) :
    Animal rex := by
  sorry

end NSP
