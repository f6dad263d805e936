-- nsp Lean 4 export (Lean 4 core only; no Mathlib). Check: nsp lean check FILE.lean
-- goal: the conclusion
set_option autoImplicit false

namespace NSP

axiom U : Type
axiom ann : U
axiom seven : U
axiom Tea : U → Prop
axiom Coffee : U → Prop
axiom Even : U → Prop
axiom Odd : U → Prop
axiom Rain : Prop
axiom Snow : Prop
axiom Hail : Prop
noncomputable instance nsp_inhabited : Inhabited U := ⟨ann⟩

theorem nsp_goal
    (h1 : ¬(Tea ann ↔ Coffee ann))
    (h2 : ∀ x : U, Even x ↔ ¬(Odd x))
    (h3 : ¬(¬(Rain ↔ Snow) ↔ Hail)) :
    (Tea ann ↔ ¬(Coffee ann)) ∧ ¬(Even seven ↔ Odd seven) := by
  sorry

end NSP
