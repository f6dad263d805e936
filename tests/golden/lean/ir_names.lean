-- nsp Lean 4 export (Lean 4 core only; no Mathlib). Check: nsp lean check FILE.lean
-- problem: ir-names
-- goal: the conclusion
-- renamed symbols (original ↦ Lean):
--   "IO" ↦ IO_
--   "Σ" ↦ Sigma
--   "fun" ↦ fun_
--   "λ" ↦ lam
--   "«q»" ↦ u00ab_q_u00bb
--   "unsafe_x" ↦ u_nsafe_x
--   "weird\n-/ name" ↦ weird_name
-- note: the conclusion: closed free variable(s) z with ∀
set_option autoImplicit false

namespace NSP

axiom U : Type
axiom u_nsafe_x : U
axiom weird_name : U
axiom u00ab_q_u00bb : U
axiom Sigma : U → U
axiom lam : U → Prop
axiom fun_ : U → Prop
axiom IO_ : U → U → U → Prop
axiom P : U → Prop
noncomputable instance nsp_inhabited : Inhabited U := ⟨u_nsafe_x⟩

theorem nsp_goal
    (h1 : ∀ lam_1 : U, lam lam_1 → fun_ (Sigma lam_1))
    (h2 : IO_ u_nsafe_x weird_name u00ab_q_u00bb) :
    ∀ z : U, P z := by
  sorry

end NSP
