-- nsp Lean 4 export (Lean 4 core only; no Mathlib). Check: nsp lean check FILE.lean
-- goal: the conclusion
set_option autoImplicit false

namespace NSP

axiom U : Type
axiom ann : U
axiom a : U
axiom b : U
axiom f : U → U
axiom mother : U → U
axiom g : U → U → U
axiom P : U → Prop
noncomputable instance nsp_inhabited : Inhabited U := ⟨ann⟩

theorem nsp_goal
    (h1 : ∀ x : U, f (f x) = x)
    (h2 : ¬(mother ann = ann))
    (h3 : ∀ x y : U, g x y = g y x) :
    P (f (f (f a))) ∨ g a (f b) = g (f b) a := by
  sorry

end NSP
