-- nsp Lean 4 export (Lean 4 core only; no Mathlib). Check: nsp lean check FILE.lean
-- goal: the negation of the conclusion
set_option autoImplicit false

namespace NSP

axiom U : Type
axiom ann : U
axiom Tea : U → Prop
axiom Coffee : U → Prop
noncomputable instance nsp_inhabited : Inhabited U := ⟨ann⟩

theorem nsp_goal
    (h1 : ¬(Tea ann ↔ Coffee ann))
    (h2 : Tea ann) :
    ¬(Coffee ann) := by
  sorry

end NSP
